/** Loading a registry version for serving: read, parsed, and refused unless it fits this build's features. */
import { assertServingFeatures } from "../model/load";
import { XGBoostModel } from "../model/xgboost-model";
import type { ModelMetadata } from "./metadata";
import type { ModelRegistry } from "./registry";

export interface LoadedModel {
  readonly version: string;
  readonly metadata: ModelMetadata;
  readonly model: XGBoostModel;
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
