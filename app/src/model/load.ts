/**
 * Loading a registry version for serving: the model must walk exactly the features the shared
 * feature module computes, in the same order, or it is refused (the API keeps its old model).
 */
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "../features/types";
import type { ModelMetadata } from "../registry/metadata";
import type { ModelRegistry } from "../registry/registry";
import { ModelValidationError, XGBoostModel } from "./xgboost-model";

export interface LoadedModel {
  readonly version: string;
  readonly metadata: ModelMetadata;
  readonly model: XGBoostModel;
}

/**
 * Checks that a model was trained for this build's feature set: the same FEATURE_SET_VERSION
 * (names alone can stay while their windows change) and FEATURE_NAMES in order. Throws
 * ModelValidationError naming the first difference.
 */
export function assertServingFeatures(metadata: Pick<ModelMetadata, "featureNames" | "featureSetVersion">): void {
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

/** Reads, parses and validates a version. */
export async function loadModelVersion(registry: ModelRegistry, version: string): Promise<LoadedModel> {
  const stored = await registry.getModel(version);
  assertServingFeatures(stored.metadata);
  return { version, metadata: stored.metadata, model: XGBoostModel.fromJson(stored.modelJson, stored.metadata.featureNames) };
}

/** The manifest's production version, loaded; null when nothing was promoted yet. */
export async function loadProductionModel(registry: ModelRegistry): Promise<LoadedModel | null> {
  const manifest = await registry.readManifest();
  return manifest.production === null ? null : loadModelVersion(registry, manifest.production);
}
