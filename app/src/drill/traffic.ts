/**
 * The drill's traffic: simulated days scored through the API's HTTP endpoints in time order, with
 * each fraud's label reported (POST /v1/feedback) when it became known, and one in ten withdrawn
 * a day later (a reversed chargeback), as a card issuer's systems would send them.
 */
import { DAY_MS } from "../domain/time";
import type { Transaction } from "../features/types";
import { simulateDays, type SimulatedTransaction, type SimulationOptions } from "../sim/simulator";

export interface LabelReport {
  readonly transactionId: string;
  readonly label: "fraud" | "legit";
  readonly reportedAt: number;
}

/** One request's worth of traffic, in the order sent. */
export type Step =
  { readonly kind: "score"; readonly txs: readonly Transaction[] } | { readonly kind: "label"; readonly report: LabelReport };

export interface Traffic {
  /** The history, as requests (a generator: the bench data does not fit in memory twice over). */
  readonly history: Iterable<Step>;
  /** Filled in as `history` is consumed: its last day's transactions, scored after the loss. */
  readonly next: Transaction[];
  readonly counts: { transactions: number; labels: number };
}

function request(t: SimulatedTransaction): Transaction {
  return {
    transactionId: t.transactionId,
    timestamp: t.timestamp,
    cardId: t.cardId,
    merchantId: t.merchantId,
    amount: t.amount,
    currency: t.currency,
    merchantCategory: t.merchantCategory,
    country: t.country,
    channel: t.channel,
  };
}

export function simulatedTraffic(sim: SimulationOptions, batchSize: number): Traffic {
  const next: Transaction[] = [];
  const counts = { transactions: 0, labels: 0 };
  function* history(): Generator<Step> {
    // labels not yet reported, by report time (a fraud's report comes days after it)
    const pending: LabelReport[] = [];
    const report = (r: LabelReport) => {
      let i = pending.length;
      while (i > 0 && pending[i - 1].reportedAt > r.reportedAt) i--;
      pending.splice(i, 0, r);
    };
    let frauds = 0;
    let day = 0;
    for (const txs of simulateDays(sim)) {
      if (++day === sim.days) {
        for (const t of txs) next.push(request(t));
        // what was reported before the next day began was sent before the loss
        while (pending.length > 0 && pending[0].reportedAt < txs[0].timestamp) {
          counts.labels++;
          yield { kind: "label", report: pending.shift()! };
        }
        return;
      }
      let batch: Transaction[] = [];
      for (const t of txs) {
        if (pending.length > 0 && pending[0].reportedAt <= t.timestamp) {
          if (batch.length > 0) yield { kind: "score", txs: batch };
          batch = [];
          while (pending.length > 0 && pending[0].reportedAt <= t.timestamp) {
            counts.labels++;
            yield { kind: "label", report: pending.shift()! };
          }
        }
        batch.push(request(t));
        counts.transactions++;
        if (batch.length === batchSize) {
          yield { kind: "score", txs: batch };
          batch = [];
        }
        if (t.label === 1) {
          const reportedAt = Math.max(t.timestamp, t.labelReportedAt ?? t.timestamp + DAY_MS);
          report({ transactionId: t.transactionId, label: "fraud", reportedAt });
          if (frauds++ % 10 === 0) report({ transactionId: t.transactionId, label: "legit", reportedAt: reportedAt + DAY_MS });
        }
      }
      if (batch.length > 0) yield { kind: "score", txs: batch };
    }
  }
  return { history: history(), next, counts };
}

/** The transaction as the API's JSON takes it. */
export function transactionJson(t: Transaction): Record<string, unknown> {
  return { ...t, timestamp: new Date(t.timestamp).toISOString() };
}
