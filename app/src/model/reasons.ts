/** The top reasons for a score: the features that pushed it up most, in words. */
import { describeFeature, isFeatureName } from "../features/reasons";
import { sigmoid, type XGBoostModel } from "./xgboost-model";

export interface Reason {
  readonly feature: string;
  /** Log-odds contribution (positive: towards fraud). */
  readonly contribution: number;
  readonly value: number | null;
  readonly description: string;
}

export interface ScoreWithReasons {
  /** As `model.predict(features)`. */
  readonly score: number;
  readonly reasons: Reason[];
}

/** Reused by every call (scoring is synchronous): no allocation per row but the reasons returned. */
let scratch = new Float64Array(0);
const MAX_K = 16;
const top = new Int32Array(MAX_K);

/**
 * The score and up to `k` features with a positive contribution, largest first (ties: model input
 * order), from one walk of the trees.
 */
export function scoreWithReasons(model: XGBoostModel, features: Float64Array, k = 3): ScoreWithReasons {
  if (!(k >= 0 && k <= MAX_K)) throw new RangeError(`k must be in [0, ${MAX_K}], got ${k}`);
  if (scratch.length !== model.featureNames.length) scratch = new Float64Array(model.featureNames.length);
  const c = scratch;
  const margin = model.explainInto(features, c);
  let n = 0;
  for (let i = 0; i < c.length; i++) {
    if (!(c[i] > 0)) continue;
    // insertion into the sorted top: after every entry at least as large (keeps input order on ties)
    let at = n;
    while (at > 0 && c[top[at - 1]] < c[i]) at--;
    if (at >= k) continue;
    for (let j = Math.min(n, k - 1); j > at; j--) top[j] = top[j - 1];
    top[at] = i;
    if (n < k) n++;
  }
  const reasons = new Array<Reason>(n);
  for (let r = 0; r < n; r++) {
    const i = top[r];
    const name = model.featureNames[i];
    const value = features[i];
    reasons[r] = {
      feature: name,
      contribution: c[i],
      value: Number.isNaN(value) ? null : value,
      description: isFeatureName(name) ? describeFeature(name, features) : `${name} = ${value}`,
    };
  }
  return { score: sigmoid(margin), reasons };
}

/** Up to `k` features with a positive contribution, largest first. */
export function topReasons(model: XGBoostModel, features: Float64Array, k = 3): Reason[] {
  return scoreWithReasons(model, features, k).reasons;
}
