/** The options of `npm run bench:api`, its targets and the API key the API is started with. */

export interface Options {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /**
   * Batch runs use fewer connections: 64 x 100 transactions in flight are 6,400 observes queued
   * in Redis (~30 us each here, ~200 ms), past the feature-store deadline, and the run would
   * measure the degraded path (measured: 331,200 of 332,900 decisions degraded at 64).
   */
  batchConnections: number;
  batch: number;
  /** Offered rate of the fixed-rate run, single transactions per second. */
  rate: number;
  /** Run only the single, the batch or the fixed-rate pair (echo and API), or the shadow runs; all by default. */
  only?: Only;
  /** Rounds of single runs with tracing off and on (tracing-cost.ts); 0: none. */
  tracingRounds: number;
}

export type Mode = "single" | "batch" | "rate";
/** `shadow`: single runs with a shadow challenger off, on, off, on (the overhead of the second tree walk). */
export type Only = Mode | "shadow";
const MODES: readonly Only[] = ["single", "batch", "rate", "shadow"];

export function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 10,
    warmupSeconds: 2,
    connections: 64,
    batchConnections: 8,
    batch: 100,
    rate: TARGET_RATE,
    tracingRounds: 0,
  };
  const usage = `usage: bench:api [--seconds N] [--warmupSeconds N] [--connections N] [--batchConnections N] [--batch N] [--rate N] [--only ${MODES.join("|")}] [--tracingRounds N]`;
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (key === "only") {
      const mode = MODES.find((m) => m === argv[i + 1]);
      if (mode === undefined) throw new Error(`${usage} (got --only ${argv[i + 1]})`);
      o.only = mode;
      continue;
    }
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isFinite(value) || value <= 0) throw new Error(`${usage} (got ${argv[i]} ${argv[i + 1]})`);
    (o as unknown as Record<string, number>)[key] = value;
  }
  return o;
}

/** The fixed-rate target of the API issue: p99 <= TARGET_P99_MS at TARGET_RATE single transactions/s. */
export const TARGET_RATE = 5_000;
export const TARGET_P99_MS = 5;
/** Share of the offered rate that counts as kept up with. */
export const RATE_KEPT = 0.99;

export const API_KEY = "bench-key-0123456789abcdef";

/** Transactions per request of a mode. */
export const txPerRequest = (mode: Mode, opts: Options): number => (mode === "batch" ? opts.batch : 1);
