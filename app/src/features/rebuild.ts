/**
 * Rebuilds a feature store's state from the decision log: every scored transaction and every
 * standing label, replayed in event order through the store's own `observeMany` and label calls,
 * so the state (and so every later vector) is the one live traffic built, whatever the store's
 * layout. What Redis loses in an outage is exactly this state: the decisions and labels that built
 * it are in PostgreSQL.
 *
 * Event order is the trainer's (offline-features.ts): transactions by (time, id); a label at the
 * time it became known (its report time, never before its transaction), before the transactions
 * of that instant. Live, a label applies when it is reported and a transaction when it is scored,
 * so with transactions scored as they happen this is the order serving saw.
 *
 * Idempotent, as the store is: a transaction already recorded is not counted again and a label
 * already standing changes nothing, so a rebuild into a store that kept part of its state, or
 * twice, ends in the same state.
 */
import { DAY_MS, merchantDays, riskLagDays } from "./buckets";
import type { FeatureStore, FraudLabel, Transaction } from "./types";

export type LogEvent =
  | { readonly kind: "transaction"; readonly tx: Transaction }
  /** The standing label of a logged transaction: `fraud` true records it, false retracts one. */
  | { readonly kind: "label"; readonly label: FraudLabel; readonly fraud: boolean };

export interface RebuildCounts {
  transactions: number;
  /** Transactions the store had recorded already (a partial loss, a second run). */
  alreadyRecorded: number;
  fraudLabels: number;
  legitLabels: number;
}

export interface RebuildOptions {
  /** Transactions per `observeMany` call between labels. Default 2000. */
  readonly batchSize?: number;
  /** Called after each store call with the counts so far. */
  readonly onProgress?: (counts: Readonly<RebuildCounts>) => void;
}

/**
 * How far back from the newest logged transaction the log can still change a read at or after it:
 * the merchant's day buckets (the longest, delay-shifted, window) plus one day for the partial
 * oldest day. The card's 30 days and the 31 days a transaction id is remembered are inside it.
 */
export function historyReachMs(labelDelayMs: number): number {
  return (merchantDays(riskLagDays(labelDelayMs)) + 1) * DAY_MS;
}

/** Applies `events` (in event order) to `store`, in order: labels wait for the transactions before them. */
export async function rebuildFeatures(
  events: AsyncIterable<LogEvent>,
  store: FeatureStore,
  opts: RebuildOptions = {},
): Promise<RebuildCounts> {
  const batchSize = opts.batchSize ?? 2000;
  if (!(batchSize >= 1)) throw new RangeError(`batchSize must be >= 1, got ${batchSize}`);
  const counts: RebuildCounts = { transactions: 0, alreadyRecorded: 0, fraudLabels: 0, legitLabels: 0 };
  let pending: Transaction[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const results = await store.observeMany(pending);
    counts.transactions += pending.length;
    for (const r of results) if (r.duplicate) counts.alreadyRecorded++;
    pending = [];
    opts.onProgress?.(counts);
  };
  for await (const e of events) {
    if (e.kind === "transaction") {
      if (pending.push(e.tx) >= batchSize) await flush();
      continue;
    }
    await flush();
    if (e.fraud) {
      await store.recordFraudLabel(e.label);
      counts.fraudLabels++;
    } else {
      await store.retractFraudLabel(e.label);
      counts.legitLabels++;
    }
  }
  await flush();
  return counts;
}
