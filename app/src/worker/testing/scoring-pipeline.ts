/**
 * The stream pipeline as the worker builds it, for tests: the real scorer over the in-memory
 * feature store and the fixture model, a fake Kafka adapter, and the given decision log.
 */
import { defaultFeatureConfig } from "../../features/compute";
import { MemoryFeatureStore } from "../../features/memory-store";
import { FEATURE_NAMES } from "../../features/types";
import { XGBoostModel } from "../../model/xgboost-model";
import { silentLogger } from "../../serving/log";
import { Metrics } from "../../serving/metrics";
import { ModelHolder } from "../../serving/model-holder";
import { Scorer } from "../../serving/scoring";
import type { DecisionLog } from "../../store/decision-log";
import { testMetadata, testModelJson } from "../../testing/model-fixtures";
import { StreamMetrics, StreamPipeline } from "../pipeline";
import { FakeAdapter } from "./fake-adapter";

export async function scoringPipeline(
  decisions: DecisionLog,
  maxBatch: number,
): Promise<{ adapter: FakeAdapter; pipeline: StreamPipeline; metrics: Metrics }> {
  const metrics = new Metrics({ defaultMetrics: false });
  const models = new ModelHolder(
    {
      manifest: async () => ({ production: "v1" }),
      load: async (version) => ({ version, metadata: testMetadata(version), model: XGBoostModel.fromJson(testModelJson(), FEATURE_NAMES) }),
    },
    {},
    defaultFeatureConfig,
    metrics,
    silentLogger,
  );
  await models.poll();
  const scorer = new Scorer({
    featureStore: new MemoryFeatureStore(),
    decisions,
    models,
    metrics,
    features: defaultFeatureConfig,
    featureStoreTimeoutMs: 1000,
    log: silentLogger,
  });
  const adapter = new FakeAdapter();
  const pipeline = new StreamPipeline(adapter, scorer, new StreamMetrics(metrics.registry), silentLogger, {
    maxBatch,
    lingerMs: 5,
    retryMs: 5,
  });
  return { adapter, pipeline, metrics };
}
