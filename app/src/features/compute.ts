/**
 * The feature maths, shared by serving and training: a pure function of the transaction and the
 * point-in-time `HistorySnapshot` a `FeatureStore` returned for it.
 */
import { clockFor, hourOfLocal, weekdayOfLocal } from "./timezone";
import { FEATURE_NAMES, WINDOW_DAYS, type FeatureConfig, type FeatureName, type HistorySnapshot, type Transaction } from "./types";

export const DAY_MS = 86_400_000;
/** Window lengths in ms, in WINDOW_DAYS order (1, 7, 30 days). */
export const WINDOW_MS: readonly [number, number, number] = [WINDOW_DAYS[0] * DAY_MS, WINDOW_DAYS[1] * DAY_MS, WINDOW_DAYS[2] * DAY_MS];
/** The longest window: state older than this (relative to the newest event) is never read again. */
export const MAX_WINDOW_MS = WINDOW_MS[2];
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
  const ts = s.cardTimestamps;
  const cents = s.cardAmountsCents;
  const w1 = t - WINDOW_MS[0];
  const w7 = t - WINDOW_MS[1];
  const w30 = t - WINDOW_MS[2];
  let n1 = 0, n7 = 0, n30 = 0;
  let c1 = 0, c7 = 0, c30 = 0;
  let latest = -Infinity;
  for (let i = 0; i < ts.length; i++) {
    const at = ts[i];
    // stores return only [t - 30d, t]; the guard keeps the function honest for hand-made snapshots
    if (at > t || at < w30) continue;
    const c = cents[i];
    n30++;
    c30 += c;
    if (at >= w7) {
      n7++;
      c7 += c;
      if (at >= w1) {
        n1++;
        c1 += c;
      }
    }
    if (at > latest) latest = at;
  }
  const mean30 = n30 === 0 ? 0 : c30 / n30 / 100;
  const [m1, m7, m30] = s.merchantCounts;
  const [f1, f7, f30] = s.merchantKnownFrauds;
  const local = clockFor(cfg.timezone).localMs(t);
  const hour = hourOfLocal(local);
  const weekday = weekdayOfLocal(local);

  out[offset] = tx.amount;
  out[offset + 1] = n1;
  out[offset + 2] = n7;
  out[offset + 3] = n30;
  out[offset + 4] = n1 === 0 ? 0 : c1 / n1 / 100;
  out[offset + 5] = n7 === 0 ? 0 : c7 / n7 / 100;
  out[offset + 6] = mean30;
  out[offset + 7] = n30 === 0 ? Number.NaN : tx.amount / mean30;
  out[offset + 8] = n30 === 0 ? Number.NaN : (t - latest) / 1000;
  out[offset + 9] = m1;
  out[offset + 10] = m7;
  out[offset + 11] = m30;
  out[offset + 12] = risk(f1, m1);
  out[offset + 13] = risk(f7, m7);
  out[offset + 14] = risk(f30, m30);
  out[offset + 15] = hour < 6 ? 1 : 0;
  out[offset + 16] = weekday === 0 || weekday === 6 ? 1 : 0;
}

/**
 * Share of the merchant's window transactions labelled fraud. Capped at 1: a label can name a
 * transaction the store has not counted (reported before the transaction reached this replica).
 */
function risk(frauds: number, count: number): number {
  return count === 0 ? 0 : Math.min(1, frauds / count);
}
