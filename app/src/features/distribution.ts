/**
 * Binned distributions and the population stability index (PSI): the maths shared by the trainer,
 * which records a model's reference distributions, and the drift monitor of serving, which bins
 * live traffic on the same edges. Pure functions, no I/O.
 */

/**
 * One variable's distribution on quantile bins. Bin 0 holds v < edges[0], bin k holds
 * edges[k-1] <= v < edges[k], the last bin v >= edges[edges.length-1]; NaN (a missing value) is
 * counted apart. `shares` (edges.length + 1 of them) and `missing` are shares of all rows, so
 * together they sum to 1.
 */
export interface Histogram {
  readonly edges: readonly number[];
  readonly shares: readonly number[];
  readonly missing: number;
}

/** Quantile bins per variable unless told otherwise: the usual choice for PSI. */
export const DEFAULT_BINS = 10;

/**
 * Shares below this count as this: an empty bin on one side would make PSI infinite, and one
 * transaction in an otherwise empty bin should not read as drift.
 */
export const PSI_FLOOR = 1e-4;

/**
 * Edges at the 1/bins .. (bins-1)/bins quantiles of the non-missing values, each an observed
 * value, distinct, and above the minimum: every reference bin holds at least one value, and a
 * variable with few distinct values (a flag, a small count) gets as many bins as it has values.
 */
export function quantileEdges(values: Float64Array, bins = DEFAULT_BINS): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1, got ${bins}`);
  const sorted = values.filter((v) => !Number.isNaN(v)).sort();
  const n = sorted.length;
  const edges: number[] = [];
  if (n === 0) return edges;
  for (let k = 1; k < bins; k++) {
    const e = sorted[Math.floor((k * n) / bins)]!;
    if (e > sorted[0]! && (edges.length === 0 || e > edges[edges.length - 1]!)) edges.push(e);
  }
  return edges;
}

/** The bin of `v` on `edges` (binary search), or -1 when `v` is missing. */
export function binOf(edges: readonly number[], v: number): number {
  if (Number.isNaN(v)) return -1;
  let lo = 0;
  let hi = edges.length;
  // first edge > v; the bin index is the number of edges <= v
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The shares of `values` on `edges`. */
export function histogramOn(edges: readonly number[], values: Float64Array): Histogram {
  const counts = new Array<number>(edges.length + 1).fill(0);
  let missing = 0;
  for (const v of values) {
    const b = binOf(edges, v);
    if (b < 0) missing++;
    else counts[b]!++;
  }
  const n = values.length;
  return { edges: [...edges], shares: counts.map((c) => (n === 0 ? 0 : c / n)), missing: n === 0 ? 0 : missing / n };
}

/** The reference histogram of `values`: quantile edges and the shares on them. */
export function referenceHistogram(values: Float64Array, bins = DEFAULT_BINS): Histogram {
  return histogramOn(quantileEdges(values, bins), values);
}

/**
 * PSI = sum over bins of (actual - expected) * ln(actual / expected), the missing values being one
 * more bin; shares below PSI_FLOOR count as PSI_FLOOR. `actual` holds counts on the reference's
 * bins (edges.length + 1 of them, starting at `offset`) followed by the missing count. Conventional
 * reading: below 0.1 stable, 0.1 to 0.2 a moderate shift, above 0.2 a significant one.
 */
export function psi(reference: Histogram, actual: ArrayLike<number>, offset = 0): number {
  const bins = reference.shares.length;
  let total = 0;
  for (let b = 0; b <= bins; b++) total += actual[offset + b]!;
  if (total === 0) return Number.NaN;
  let sum = 0;
  for (let b = 0; b <= bins; b++) {
    const e = Math.max(b === bins ? reference.missing : reference.shares[b]!, PSI_FLOOR);
    const a = Math.max(actual[offset + b]! / total, PSI_FLOOR);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Checks a histogram read from a file; throws with `path` in the message. */
export function assertHistogram(h: unknown, path: string): asserts h is Histogram {
  const o = h as Partial<Histogram> | null;
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  if (typeof o !== "object" || o === null) throw new Error(`${path}: expected an object`);
  if (!Array.isArray(o.edges) || !o.edges.every(finite) || o.edges.some((e, i) => i > 0 && e <= o.edges![i - 1]!))
    throw new Error(`${path}.edges: expected increasing finite numbers`);
  if (!Array.isArray(o.shares) || o.shares.length !== o.edges.length + 1 || !o.shares.every((s) => finite(s) && s >= 0 && s <= 1))
    throw new Error(`${path}.shares: expected ${o.edges.length + 1} shares in [0, 1]`);
  if (!finite(o.missing) || o.missing < 0 || o.missing > 1) throw new Error(`${path}.missing: expected a share in [0, 1]`);
  const sum = o.shares.reduce((a, b) => a + b, o.missing);
  if (Math.abs(sum - 1) > 1e-6 && sum !== 0) throw new Error(`${path}: shares and missing sum to ${sum}, expected 1`);
}
