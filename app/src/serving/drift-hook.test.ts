/**
 * The scorer's one call into the drift monitor: every decision scored with the feature store is
 * counted, a degraded one is not, and /metrics shows the result.
 */
import { describe, expect, it } from "vitest";
import { defaultFeatureConfig } from "../features/compute";
import { FEATURE_NAMES, type Transaction } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { DecisionLog } from "../store/decision-log";
import type { SqlClient } from "../store/sql";
import { testMetadata, testModelJson } from "../testing/model-fixtures";
import { RecordingStore } from "../testing/recording-store";
import { DriftMonitor } from "./drift-monitor";
import { silentLogger } from "./log";
import { Metrics } from "./metrics";
import { type ModelHolder, PreparedModel } from "./model-holder";
import { Scorer } from "./scoring";

const flat = { edges: [1], shares: [0.5, 0.5], missing: 0 };
const reference = {
  features: Object.fromEntries(FEATURE_NAMES.map((n) => [n, flat])),
  featureRows: 100,
  score: flat,
  scoreRows: 100,
  rates: { review: 0.1, decline: 0.01 },
};

describe("scoring with the drift monitor", () => {
  it("counts the decisions scored with features, not the degraded ones, and exports them at scrape time", async () => {
    const sql = {
      query: async () => ({ rows: [] }),
      transaction: async () => undefined,
      close: async () => undefined,
    } as unknown as SqlClient;
    const store = new RecordingStore();
    const metrics = new Metrics({ defaultMetrics: false });
    const model = new PreparedModel(
      { version: "v1", metadata: testMetadata("v1", { reference }), model: XGBoostModel.fromJson(testModelJson(), FEATURE_NAMES) },
      {},
    );
    const drift = new DriftMonitor(Date.now, 1);
    metrics.driftFrom(() => drift.snapshot());
    const s = new Scorer({
      featureStore: store,
      decisions: new DecisionLog(sql, { capacity: 100, lingerMs: 1 }),
      models: { current: model } as unknown as ModelHolder,
      metrics,
      features: defaultFeatureConfig,
      featureStoreTimeoutMs: 200,
      log: silentLogger,
      drift,
    });
    const tx = (id: string): Transaction => ({
      transactionId: id,
      timestamp: Date.UTC(2024, 0, 1),
      cardId: "c",
      merchantId: "m",
      amount: 10,
    });
    await Promise.all(["a", "b", "c"].map((id) => s.score(tx(id))));
    store.fail = true;
    const degraded = await s.score(tx("d"));
    expect(degraded.degraded).toBe(true);
    expect(drift.snapshot()!.windows.map((w) => w.transactions)).toEqual([3, 3]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('fraud_drift_window_transactions{window="1h"} 3');
    // amount 10 is above the reference's single edge (1): all live amounts in the upper bin of two,
    // the lower one empty (floored at 1e-4): 0.5 ln 2 + (1e-4 - 0.5) ln(1e-4 / 0.5) = 4.6043
    expect(text).toMatch(/fraud_feature_psi\{feature="amount",window="1h"\} 4\.6043\d*/);
  });
});
