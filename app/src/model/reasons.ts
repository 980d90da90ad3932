/** The top reasons for a score: the features that pushed it up most, in words. */
import { describeFeature, isFeatureName } from "../features/reasons";
import type { XGBoostModel } from "./xgboost-model";

export interface Reason {
  readonly feature: string;
  /** Log-odds contribution (positive: towards fraud). */
  readonly contribution: number;
  readonly value: number | null;
  readonly description: string;
}

/** Up to `k` features with a positive contribution, largest first. */
export function topReasons(model: XGBoostModel, features: Float64Array, k = 3): Reason[] {
  const { contributions } = model.explain(features);
  const order = Array.from(contributions.keys())
    .filter((i) => contributions[i] > 0)
    .sort((a, b) => contributions[b] - contributions[a])
    .slice(0, k);
  return order.map((i) => {
    const name = model.featureNames[i];
    const value = features[i];
    return {
      feature: name,
      contribution: contributions[i],
      value: Number.isNaN(value) ? null : value,
      description: isFeatureName(name) ? describeFeature(name, features) : `${name} = ${value}`,
    };
  });
}
