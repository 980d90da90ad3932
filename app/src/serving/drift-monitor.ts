/**
 * Live traffic against the served model's reference distributions (registry metadata `reference`):
 * every scored transaction's features, score and decision are counted on the reference's bins in
 * two sliding windows, the last hour (a ring of 60 per-minute rows) and the last day (24 per-hour
 * rows). Counting is O(features), with no allocation; the PSI and the rates are computed when
 * Prometheus scrapes (drift-metrics.ts). Each replica counts what it scored.
 */
import { psi } from "../features/distribution";
import type { DecisionOutcome } from "../domain/decision";
import type { ReferenceDistributions } from "../registry/metadata";
import { SlidingCounts } from "./drift-windows";

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

const DECISION_SLOT: Readonly<Record<DecisionOutcome, number>> = { approve: 0, review: 1, decline: 2 };

/**
 * The counters of one served model, laid out in one row: for each monitored feature then the
 * score, its bins (edges + 1) then its missing count; then approve, review, decline.
 */
class Layout {
  readonly names: readonly string[];
  /** Positions of the monitored features in the model's vector. */
  readonly columns: Int32Array;
  /** Every variable's edges end to end (the score's last); variable j's are [edgeStart[j], edgeStart[j+1]). */
  readonly edges: Float64Array;
  readonly edgeStart: Int32Array;
  /** Start of variable j's counters; the score is variable names.length. */
  readonly offsets: Int32Array;
  readonly decisionOffset: number;
  readonly counts: SlidingCounts;

  constructor(
    readonly reference: ReferenceDistributions,
    featureNames: readonly string[],
  ) {
    const monitored = featureNames.map((n, j) => [n, j] as const).filter(([n]) => !CLOCK_FEATURES.has(n));
    this.names = monitored.map(([n]) => n);
    this.columns = Int32Array.from(monitored.map(([, j]) => j));
    const all = [...this.names.map((n) => reference.features[n]!.edges), reference.score.edges];
    this.edges = Float64Array.from(all.flat());
    this.edgeStart = new Int32Array(all.length + 1);
    this.offsets = new Int32Array(all.length);
    let w = 0;
    all.forEach((e, j) => {
      this.edgeStart[j + 1] = this.edgeStart[j]! + e.length;
      this.offsets[j] = w;
      w += e.length + 2;
    });
    this.decisionOffset = w;
    this.counts = new SlidingCounts(w + 3);
  }

  /** The counter of variable j for value v: its bin, or its missing count for NaN. */
  slot(j: number, v: number): number {
    const from = this.edgeStart[j]!;
    const to = this.edgeStart[j + 1]!;
    // a linear scan without branches: at most bins - 1 edges, cheaper than a mispredicted binary search
    let b = to - from + 1;
    if (v === v) {
      b = 0;
      for (let k = from; k < to; k++) b += v >= this.edges[k]! ? 1 : 0;
    }
    return this.offsets[j]! + b;
  }
}

export class DriftMonitor {
  private model: MonitoredModel | undefined;
  private layout: Layout | undefined;
  private sums: Float64Array = new Float64Array(0);

  constructor(
    private readonly now: () => number = Date.now,
    private readonly minTransactions = DEFAULT_MIN_TRANSACTIONS,
  ) {}

  /** Counts one scored transaction; `features` in the model's featureNames order. */
  observe(model: MonitoredModel, features: Float64Array, score: number, decision: DecisionOutcome): void {
    if (model !== this.model) this.switchTo(model);
    const l = this.layout;
    if (!l) return;
    const row = l.counts.rowAt(this.now());
    const counts = l.counts.minutes;
    const columns = l.columns;
    const n = columns.length;
    for (let j = 0; j < n; j++) counts[row + l.slot(j, features[columns[j]!]!)]!++;
    counts[row + l.slot(n, score)]!++;
    counts[row + l.decisionOffset + DECISION_SLOT[decision]]!++;
  }

  /** PSI and rates per window, computed now; undefined while the served model has no reference. */
  snapshot(): DriftSnapshot | undefined {
    const c = this.layout;
    const model = this.model;
    if (!c || !model) return undefined;
    const t = this.now();
    const windows = DRIFT_WINDOWS.map((window): WindowDrift => {
      if (window === "1h") c.counts.hourTotal(t, this.sums);
      else c.counts.dayTotal(t, this.sums);
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
        scorePsi: psi(c.reference.score, s, c.offsets[c.names.length]!),
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
    this.layout = reference ? new Layout(reference, featureNames) : undefined;
    this.sums = new Float64Array(this.layout?.counts.width ?? 0);
  }
}
