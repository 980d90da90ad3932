/**
 * Whether a model may serve: it must walk exactly the features the shared feature module computes,
 * in the same order, or it is refused (the API keeps its old model).
 */
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "../features/types";
import { ModelValidationError } from "./xgboost-json";

/** What a model records about the features it was trained for (a subset of the registry's metadata). */
export interface TrainedFeatures {
  readonly featureNames: readonly string[];
  readonly featureSetVersion?: string;
}

/**
 * Checks that a model was trained for this build's feature set: the same FEATURE_SET_VERSION
 * (names alone can stay while their windows change) and FEATURE_NAMES in order. Throws
 * ModelValidationError naming the first difference.
 */
export function assertServingFeatures(metadata: TrainedFeatures): void {
  if (metadata.featureSetVersion !== FEATURE_SET_VERSION) {
    throw new ModelValidationError(
      `the model was trained for feature set ${metadata.featureSetVersion === undefined ? "(none recorded: older than feature set versions)" : JSON.stringify(metadata.featureSetVersion)} but this build computes feature set ${JSON.stringify(FEATURE_SET_VERSION)}: retrain it`,
    );
  }
  const featureNames = metadata.featureNames;
  const n = Math.max(featureNames.length, FEATURE_NAMES.length);
  for (let i = 0; i < n; i++) {
    if (featureNames[i] !== FEATURE_NAMES[i]) {
      throw new ModelValidationError(
        `model feature ${i} is ${JSON.stringify(featureNames[i] ?? null)} but this build computes ${JSON.stringify(FEATURE_NAMES[i] ?? null)}: the model was trained for another feature set`,
      );
    }
  }
}
