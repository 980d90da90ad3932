/**
 * Live traffic against the served model's reference distributions (registry metadata `reference`):
 * every scored transaction's features, score and decision are counted on the reference's bins in
 * two sliding windows, the last hour (a ring of 60 per-minute rows) and the last day (24 per-hour
 * rows). Counting is O(features), with no allocation; the PSI and the rates are computed when
 * Prometheus scrapes (drift-metrics.ts). Each replica counts what it scored.
 */
import { binOf, psi } from "../features/distribution";
import type { DecisionOutcome } from "../domain/decision";
import type { ReferenceDistributions } from "../registry/metadata";

export const DRIFT_WINDOWS = ["1h", "1d"] as const;
export type DriftWindow = (typeof DRIFT_WINDOWS)[number];

/**
 * Below this many transactions in a window, no PSI or rate is reported for it: with few samples
 * PSI is mostly noise (about bins/n on undrifted traffic) and a quiet night would page.
 */
export const DEFAULT_MIN_TRANSACTIONS = 1000;

/** A live rate may be this many times more or less than expected before sampling noise is added. */
export const RATE_FACTOR = 2;
/** Standard deviations of sampling noise (binomial, over the window's transactions) the band also allows. */
export const RATE_Z = 3;

/**
 * The band a window's review or decline rate is expected in: the reference rate p, times or
 * divided by RATE_FACTOR (the reference is one week's estimate, traffic mixes vary), widened by
 * RATE_Z binomial standard deviations for n transactions (an hour holds few declines).
 */
export function expectedBand(p: number, n: number): { readonly low: number; readonly high: number } {
  const noise = RATE_Z * Math.sqrt((p * (1 - p)) / Math.max(n, 1));
  return { low: Math.max(0, p / RATE_FACTOR - noise), high: Math.min(1, p * RATE_FACTOR + noise) };
}

export interface WindowDrift {
  readonly window: DriftWindow;
  readonly transactions: number;
  /** Empty below the minimum number of transactions; otherwise one per feature. */
  readonly featurePsi: ReadonlyMap<string, number>;
  /** NaN below the minimum. */
  readonly scorePsi: number;
  /** Shares of the window's decisions; NaN below the minimum. */
  readonly rates: { readonly review: number; readonly decline: number };
}

export interface DriftSnapshot {
  readonly version: string;
  readonly windows: readonly WindowDrift[];
  /** The reference's rates; absent when the serving thresholds differ from the model's. */
  readonly expectedRates?: { readonly review: number; readonly decline: number };
}

/** What the monitor needs of the served model (PreparedModel has it). */
export interface MonitoredModel {
  readonly version: string;
  readonly thresholds: { readonly review: number; readonly decline: number };
  readonly loaded: {
    readonly metadata: {
      readonly featureNames: readonly string[];
      readonly thresholds: { readonly review: number; readonly decline: number };
      readonly reference?: ReferenceDistributions;
    };
  };
}

/**
 * Features that are a function of the clock: a window of one hour or one day holds one position of
 * the clock (all night, all weekend), so their PSI against a week-long reference says what time it
 * is, not whether the traffic changed. Not monitored.
 */
export const CLOCK_FEATURES: ReadonlySet<string> = new Set(["is_night", "is_weekend"]);

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DECISION_SLOT: Readonly<Record<DecisionOutcome, number>> = { approve: 0, review: 1, decline: 2 };

/** One window: `slots` rows of `width` counters, the row of the current period written to. */
class Ring {
  readonly counts: Uint32Array;
  private period = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly slots: number,
    private readonly width: number,
    private readonly periodMs: number,
  ) {
    this.counts = new Uint32Array(slots * width);
  }

  /** The offset of the current period's row, after clearing the rows of the periods that passed. */
  rowAt(now: number): number {
    const p = Math.floor(now / this.periodMs);
    if (p > this.period) {
      const passed = Math.min(p - this.period, this.slots);
      for (let k = 1; k <= passed; k++) {
        const r = ((((p - passed + k) % this.slots) + this.slots) % this.slots) * this.width;
        this.counts.fill(0, r, r + this.width);
      }
      this.period = p;
    }
    // a clock stepping back counts in the current row
    return (((this.period % this.slots) + this.slots) % this.slots) * this.width;
  }

  /** The sum of every row. */
  total(now: number, out: Float64Array): void {
    this.rowAt(now);
    out.fill(0);
    for (let r = 0; r < this.slots; r++) {
      const base = r * this.width;
      for (let j = 0; j < this.width; j++) out[j]! += this.counts[base + j]!;
    }
  }
}

/** The counters of one served model: its bins, laid out in one row. */
class Counts {
  readonly reference: ReferenceDistributions;
  /** The monitored features: their names, their positions in the model's vector, their edges. */
  readonly names: readonly string[];
  readonly columns: Int32Array;
  readonly edges: (readonly number[])[];
  /** Start of the k-th monitored feature's bins (edges + 1 bins, then missing); the score's after them. */
  readonly offsets: Int32Array;
  readonly scoreOffset: number;
  readonly decisionOffset: number;
  readonly width: number;
  readonly hour: Ring;
  readonly day: Ring;

  constructor(reference: ReferenceDistributions, featureNames: readonly string[]) {
    this.reference = reference;
    const monitored = featureNames.map((n, j) => [n, j] as const).filter(([n]) => !CLOCK_FEATURES.has(n));
    this.names = monitored.map(([n]) => n);
    this.columns = Int32Array.from(monitored.map(([, j]) => j));
    this.edges = this.names.map((n) => reference.features[n]!.edges);
    this.offsets = new Int32Array(this.names.length);
    let w = 0;
    this.edges.forEach((e, j) => {
      this.offsets[j] = w;
      w += e.length + 2;
    });
    this.scoreOffset = w;
    w += reference.score.edges.length + 2;
    this.decisionOffset = w;
    this.width = w + 3;
    this.hour = new Ring(60, this.width, MINUTE_MS);
    this.day = new Ring(24, this.width, HOUR_MS);
  }
}

export class DriftMonitor {
  private model: MonitoredModel | undefined;
  private counts: Counts | undefined;
  private sums: Float64Array = new Float64Array(0);

  constructor(
    private readonly now: () => number = Date.now,
    private readonly minTransactions = DEFAULT_MIN_TRANSACTIONS,
  ) {}

  /** Counts one scored transaction; `features` in the model's featureNames order. */
  observe(model: MonitoredModel, features: Float64Array, score: number, decision: DecisionOutcome): void {
    if (model !== this.model) this.switchTo(model);
    const c = this.counts;
    if (!c) return;
    const t = this.now();
    const h = c.hour.rowAt(t);
    const d = c.day.rowAt(t);
    const hc = c.hour.counts;
    const dc = c.day.counts;
    for (let j = 0; j < c.edges.length; j++) {
      const e = c.edges[j]!;
      const b = binOf(e, features[c.columns[j]!]!);
      const k = c.offsets[j]! + (b < 0 ? e.length + 1 : b);
      hc[h + k]!++;
      dc[d + k]!++;
    }
    const se = c.reference.score.edges;
    const sb = binOf(se, score);
    const sk = c.scoreOffset + (sb < 0 ? se.length + 1 : sb);
    hc[h + sk]!++;
    dc[d + sk]!++;
    const dk = c.decisionOffset + DECISION_SLOT[decision];
    hc[h + dk]!++;
    dc[d + dk]!++;
  }

  /** PSI and rates per window, computed now; undefined while the served model has no reference. */
  snapshot(): DriftSnapshot | undefined {
    const c = this.counts;
    const model = this.model;
    if (!c || !model) return undefined;
    const t = this.now();
    const windows = DRIFT_WINDOWS.map((window): WindowDrift => {
      (window === "1h" ? c.hour : c.day).total(t, this.sums);
      const s = this.sums;
      const approve = s[c.decisionOffset]!;
      const review = s[c.decisionOffset + 1]!;
      const decline = s[c.decisionOffset + 2]!;
      const transactions = approve + review + decline;
      const featurePsi = new Map<string, number>();
      if (transactions < this.minTransactions)
        return { window, transactions, featurePsi, scorePsi: Number.NaN, rates: { review: Number.NaN, decline: Number.NaN } };
      c.names.forEach((name, j) => featurePsi.set(name, psi(c.reference.features[name]!, s, c.offsets[j]!)));
      return {
        window,
        transactions,
        featurePsi,
        scorePsi: psi(c.reference.score, s, c.scoreOffset),
        rates: { review: review / transactions, decline: decline / transactions },
      };
    });
    const own = model.loaded.metadata.thresholds;
    const sameThresholds = own.review === model.thresholds.review && own.decline === model.thresholds.decline;
    return { version: model.version, windows, ...(sameThresholds ? { expectedRates: c.reference.rates } : {}) };
  }

  /** A new model: its own bins, counted from zero (the previous model's counts do not apply). */
  private switchTo(model: MonitoredModel): void {
    this.model = model;
    const { reference, featureNames } = model.loaded.metadata;
    this.counts = reference ? new Counts(reference, featureNames) : undefined;
    this.sums = new Float64Array(this.counts?.width ?? 0);
  }
}
