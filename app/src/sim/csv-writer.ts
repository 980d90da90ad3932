import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { simulateDays, type SimulatedTransaction, type SimulationOptions } from "./simulator";

/** The training CSV columns, in the order the simulator writes them (the reader accepts any order). */
export const CSV_COLUMNS = [
  "transaction_id",
  "timestamp",
  "card_id",
  "merchant_id",
  "amount",
  "label",
  "label_reported_at",
  "currency",
  "merchant_category",
  "country",
  "channel",
] as const;

export interface SimulationSummary {
  readonly rows: number;
  readonly frauds: number;
  /** Frauds by scenario: [large amount, compromised terminal, compromised card, dormant terminal]. */
  readonly fraudsByScenario: readonly [number, number, number, number];
  readonly firstTimestamp: number;
  readonly lastTimestamp: number;
}

export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

export function formatCsvRow(t: SimulatedTransaction): string {
  return `${t.transactionId},${isoSeconds(t.timestamp)},${t.cardId},${t.merchantId},${t.amount.toFixed(2)},${t.label},${
    t.labelReportedAt === undefined ? "" : isoSeconds(t.labelReportedAt)
  },${t.currency},${t.merchantCategory},${t.country},${t.channel}`;
}

export class SummaryCounter {
  rows = 0;
  frauds = 0;
  readonly byScenario: [number, number, number, number] = [0, 0, 0, 0];
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;

  add(t: SimulatedTransaction): void {
    this.rows++;
    if (t.scenario !== 0) {
      this.frauds++;
      this.byScenario[t.scenario - 1]!++;
    }
    if (t.timestamp < this.first) this.first = t.timestamp;
    if (t.timestamp > this.last) this.last = t.timestamp;
  }

  summary(): SimulationSummary {
    return {
      rows: this.rows,
      frauds: this.frauds,
      fraudsByScenario: [...this.byScenario],
      firstTimestamp: this.first,
      lastTimestamp: this.last,
    };
  }
}

/**
 * Streams the simulation to `out` as CSV, one day per write, honouring back-pressure: memory holds
 * one simulated day whatever the number of days.
 */
export async function writeSimulationCsv(
  options: SimulationOptions,
  out: string | Writable,
  onDay?: (day: number, days: number) => void,
): Promise<SimulationSummary> {
  const stream = typeof out === "string" ? createWriteStream(out) : out;
  const counter = new SummaryCounter();
  const failed = new Promise<never>((_, reject) => stream.once("error", reject));
  failed.catch(() => undefined);
  const write = async (chunk: string): Promise<void> => {
    if (!stream.write(chunk)) await Promise.race([once(stream, "drain"), failed]);
  };
  await write(`${CSV_COLUMNS.join(",")}\n`);
  let day = 0;
  for (const txs of simulateDays(options)) {
    let chunk = "";
    for (const t of txs) {
      counter.add(t);
      chunk += `${formatCsvRow(t)}\n`;
    }
    await write(chunk);
    onDay?.(++day, options.days);
  }
  if (typeof out === "string") {
    stream.end();
    await Promise.race([once(stream, "finish"), failed]);
  }
  return counter.summary();
}
