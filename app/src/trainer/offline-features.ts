/**
 * The offline feature pass: replays every transaction in (timestamp, transactionId) order through
 * the shared in-memory FeatureStore and `computeFeaturesInto`, the same code the API runs online,
 * so a training row gets exactly the vector the API would have computed when it was scored.
 * Fraud labels are recorded with the time they became known (their report time, or transaction
 * time plus the label delay), and the store counts a label only from then on.
 */
import { computeFeaturesInto, FEATURE_COUNT } from "../features/compute";
import { MemoryFeatureStore } from "../features/memory-store";
import type { FeatureConfig } from "../features/types";
import { transactionAt, type Dataset } from "./dataset";

export interface FeaturePassResult {
  /** Dataset row indices of the kept rows, in event order. */
  readonly rows: Uint32Array;
  /** Row-major, rows.length x FEATURE_COUNT, FEATURE_NAMES order; NaN = missing. */
  readonly features: Float64Array;
  /** Rows whose transactionId had been seen before: not counted twice, not kept. */
  readonly duplicates: number;
  /** Rows replayed (all of them: each one is history for later rows). */
  readonly replayed: number;
  readonly seconds: number;
}

/** When a fraud label becomes known, point in time. */
export function labelKnownAt(timestamp: number, reportedAt: number, cfg: FeatureConfig): number {
  return Number.isFinite(reportedAt) ? Math.max(timestamp, reportedAt) : timestamp + cfg.labelDelayMs;
}

/**
 * `keep[i]` (dataset row i) says whether row i's vector is returned; every row is observed and has
 * its features computed either way.
 */
export function featurePass(
  d: Dataset,
  order: Uint32Array,
  keep: Uint8Array,
  cfg: FeatureConfig,
  onProgress?: (done: number, total: number) => void,
): FeaturePassResult {
  const started = performance.now();
  let kept = 0;
  for (let i = 0; i < d.size; i++) kept += keep[i] ? 1 : 0;
  const rows = new Uint32Array(kept);
  const features = new Float64Array(kept * FEATURE_COUNT);
  const scratch = new Float64Array(FEATURE_COUNT);
  const store = new MemoryFeatureStore();
  let k = 0;
  let duplicates = 0;
  const step = Math.max(1, Math.floor(order.length / 200));
  for (let n = 0; n < order.length; n++) {
    const i = order[n]!;
    const tx = transactionAt(d, i);
    const { snapshot, duplicate } = store.observeSync(tx);
    if (duplicate) {
      duplicates++;
      continue;
    }
    if (keep[i]) {
      computeFeaturesInto(features, k * FEATURE_COUNT, tx, snapshot, cfg);
      rows[k++] = i;
    } else {
      computeFeaturesInto(scratch, 0, tx, snapshot, cfg);
    }
    if (d.labels[i] === 1) {
      store.recordFraudLabelSync({
        transactionId: tx.transactionId,
        merchantId: tx.merchantId,
        timestamp: tx.timestamp,
        knownAt: labelKnownAt(tx.timestamp, d.labelReportedAt[i]!, cfg),
      });
    }
    if (onProgress && n % step === 0) onProgress(n, order.length);
  }
  onProgress?.(order.length, order.length);
  return {
    rows: rows.subarray(0, k),
    features: features.subarray(0, k * FEATURE_COUNT),
    duplicates,
    replayed: order.length,
    seconds: (performance.now() - started) / 1000,
  };
}
