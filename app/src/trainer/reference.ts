/**
 * The reference distributions a model's metadata carries for drift monitoring: every feature on
 * the training window, the score and the decision rates on the test window (out of sample, and
 * where the thresholds were set).
 */
import { DEFAULT_BINS, referenceHistogram, type Histogram } from "../features/distribution";
import type { ReferenceDistributions } from "../registry/metadata";

/** Column `j` of a row-major matrix of `width` columns. */
function column(rows: Float64Array, width: number, j: number): Float64Array {
  const n = rows.length / width;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rows[i * width + j]!;
  return out;
}

export function referenceDistributions(
  trainFeatures: Float64Array,
  featureNames: readonly string[],
  testScores: Float64Array,
  thresholds: { readonly review: number; readonly decline: number },
  bins = DEFAULT_BINS,
): ReferenceDistributions {
  const width = featureNames.length;
  const features: Record<string, Histogram> = {};
  featureNames.forEach((name, j) => (features[name] = referenceHistogram(column(trainFeatures, width, j), bins)));
  let review = 0;
  let decline = 0;
  for (const s of testScores) {
    if (s >= thresholds.decline) decline++;
    else if (s >= thresholds.review) review++;
  }
  const n = testScores.length;
  return {
    features,
    featureRows: trainFeatures.length / width,
    score: referenceHistogram(testScores, bins),
    scoreRows: n,
    rates: { review: n === 0 ? 0 : review / n, decline: n === 0 ? 0 : decline / n },
  };
}
