/**
 * The feature maths, shared by serving and training: a pure function of the transaction and the
 * point-in-time `HistorySnapshot` a `FeatureStore` returned for it (windows: buckets.ts).
 */
import { DAY_MS } from "./buckets";
import { clockFor, hourOfLocal, weekdayOfLocal } from "./timezone";
import { FEATURE_NAMES, type FeatureConfig, type FeatureName, type HistorySnapshot, type Transaction } from "./types";

export { DAY_MS };
export const FEATURE_COUNT = FEATURE_NAMES.length;

export const defaultFeatureConfig: FeatureConfig = Object.freeze({ timezone: "UTC", labelDelayMs: 7 * DAY_MS });

/** Column index of each feature, for code that reads a vector by name. */
export const FEATURE_INDEX: Readonly<Record<FeatureName, number>> = Object.freeze(
  Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, i])) as Record<FeatureName, number>,
);

/** Validates a (partial) config over the defaults; throws with a precise message. */
export function featureConfig(overrides: Partial<FeatureConfig> = {}): FeatureConfig {
  const cfg = { ...defaultFeatureConfig, ...overrides };
  clockFor(cfg.timezone); // throws RangeError for an unknown zone
  if (!Number.isFinite(cfg.labelDelayMs) || cfg.labelDelayMs < 0) {
    throw new RangeError(`labelDelayMs must be a finite number >= 0, got ${cfg.labelDelayMs}`);
  }
  return Object.freeze(cfg);
}

/** Amount in integer minor units, as stores record it (sums stay exact in any order). */
export function amountToCents(amount: number): number {
  return Math.round(amount * 100);
}

/** The feature vector in FEATURE_NAMES order; missing values are NaN. */
export function computeFeatures(tx: Transaction, s: HistorySnapshot, cfg: FeatureConfig): Float64Array {
  const out = new Float64Array(FEATURE_COUNT);
  computeFeaturesInto(out, 0, tx, s, cfg);
  return out;
}

/**
 * Same as `computeFeatures`, written into `out[offset .. offset + FEATURE_COUNT)` so that a
 * training pass can fill one matrix without allocating per row.
 */
export function computeFeaturesInto(out: Float64Array, offset: number, tx: Transaction, s: HistorySnapshot, cfg: FeatureConfig): void {
  const t = tx.timestamp;
  const [n1, n7, n30] = s.cardCounts;
  const [c1, c7, c30] = s.cardCents;
  const mean1 = mean(c1, n1),
    mean7 = mean(c7, n7),
    mean30 = mean(c30, n30);
  const [m1, m7, m30] = s.merchantCounts;
  const counts = s.merchantDelayedCounts;
  const frauds = s.merchantDelayedFrauds;
  const local = clockFor(cfg.timezone).localMs(t);
  const hour = hourOfLocal(local);
  const weekday = weekdayOfLocal(local);

  out[offset] = tx.amount;
  out[offset + 1] = n1;
  out[offset + 2] = n7;
  out[offset + 3] = n30;
  out[offset + 4] = mean1;
  out[offset + 5] = mean7;
  out[offset + 6] = mean30;
  out[offset + 7] = n1 === 0 ? Number.NaN : tx.amount / mean1;
  out[offset + 8] = n7 === 0 ? Number.NaN : tx.amount / mean7;
  out[offset + 9] = n30 === 0 ? Number.NaN : tx.amount / mean30;
  out[offset + 10] = n30 === n7 ? Number.NaN : tx.amount / mean(c30 - c7, n30 - n7);
  out[offset + 11] = Number.isNaN(s.cardPreviousAt) ? Number.NaN : (t - s.cardPreviousAt) / 1000;
  out[offset + 12] = m1;
  out[offset + 13] = m7;
  out[offset + 14] = m30;
  out[offset + 15] = risk(frauds[0], counts[0]);
  out[offset + 16] = risk(frauds[1], counts[1]);
  out[offset + 17] = risk(frauds[2], counts[2]);
  out[offset + 18] = risk(frauds[3], counts[3]);
  out[offset + 19] = counts[0];
  out[offset + 20] = counts[1];
  out[offset + 21] = counts[3];
  out[offset + 22] = risk(s.merchantRecentFrauds[0], m1);
  out[offset + 23] = risk(s.merchantRecentFrauds[1], m7);
  out[offset + 24] = hour < 6 ? 1 : 0;
  out[offset + 25] = weekday === 0 || weekday === 6 ? 1 : 0;
}

/** Mean amount in major units; 0 over an empty window. */
function mean(cents: number, n: number): number {
  return n === 0 ? 0 : cents / n / 100;
}

/**
 * Share of the merchant's window transactions labelled fraud. Capped at 1: a label can name a
 * transaction the store has not counted (reported before the transaction reached this replica).
 */
function risk(frauds: number, count: number): number {
  return count === 0 ? 0 : Math.min(1, frauds / count);
}
