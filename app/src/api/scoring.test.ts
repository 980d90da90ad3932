import { describe, expect, it } from "vitest";
import { defaultFeatureConfig } from "../features/compute";
import { MemoryFeatureStore } from "../features/memory-store";
import { FEATURE_NAMES, type FeatureStore, type ObserveResult, type Transaction } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { DecisionLog, type DecisionRecord } from "../store/decision-log";
import type { SqlClient } from "../store/sql";
import { testMetadata, testModelJson } from "../testing/model-fixtures";
import { silentLogger } from "./log";
import { Metrics } from "./metrics";
import { type ModelHolder, PreparedModel } from "./model-holder";
import { decisionJson, Scorer } from "./scoring";

const record: DecisionRecord = {
  transactionId: 'tx"with\\odd/chars',
  occurredAt: Date.UTC(2024, 2, 1, 12, 30, 0, 125),
  cardId: "c1",
  merchantId: "m1",
  amount: 12.5,
  score: 0.123456789012345,
  decision: "review",
  modelVersion: 'v1"x',
  degraded: true,
  reasons: [{ feature: "amount", contribution: 0.5, value: null, description: 'amount "12.50" is\nhigh' }],
};

describe("decisionJson", () => {
  it("is the decision view as JSON, quotes and backslashes escaped", () => {
    expect(JSON.parse(decisionJson(record))).toEqual({
      transactionId: record.transactionId,
      score: record.score,
      decision: "review",
      reasons: record.reasons,
      modelVersion: record.modelVersion,
      degraded: true,
    });
  });

  it("uses the reasons JSON the scorer already made, and adds the ISO timestamp when asked", () => {
    const shared = { ...record, reasonsJson: '[{"feature":"x"}]' };
    const parsed = JSON.parse(decisionJson(shared, true));
    expect(parsed.reasons).toEqual([{ feature: "x" }]);
    expect(parsed.timestamp).toBe("2024-03-01T12:30:00.125Z");
    expect(Object.keys(parsed)).toEqual(["transactionId", "score", "decision", "reasons", "modelVersion", "degraded", "timestamp"]);
  });
});

describe("Scorer", () => {
  /** A memory store that records each call's transaction ids; `fail` makes the next call reject. */
  class RecordingStore extends MemoryFeatureStore {
    readonly calls: string[][] = [];
    fail = false;
    override async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
      this.calls.push(txs.map((t) => t.transactionId));
      if (this.fail) throw new Error("store down");
      const out: ObserveResult[] = [];
      for (const tx of txs) out.push(await this.observe(tx));
      return out;
    }
  }

  function scorer(store: FeatureStore) {
    const sql = { query: async () => ({ rows: [] }), transaction: async () => undefined, close: async () => undefined } as unknown as SqlClient;
    const metrics = new Metrics({ defaultMetrics: false });
    const decisions = new DecisionLog(sql, { capacity: 1000 });
    const model = new PreparedModel({ version: "v1", metadata: testMetadata("v1"), model: XGBoostModel.fromJson(testModelJson(), FEATURE_NAMES) }, {});
    const models = { current: model } as unknown as ModelHolder;
    const s = new Scorer({ featureStore: store, decisions, models, metrics, features: defaultFeatureConfig, featureStoreTimeoutMs: 200, log: silentLogger });
    return { s, metrics, decisions };
  }

  const tx = (id: string, cardId = "c"): Transaction => ({ transactionId: id, timestamp: Date.UTC(2024, 0, 1), cardId, merchantId: "m", amount: 10 });

  it("observes the single requests of one event-loop turn in one store call, in call order", async () => {
    const store = new RecordingStore();
    const { s } = scorer(store);
    const ids = ["a", "b", "c", "d"];
    const got = await Promise.all(ids.map((id) => s.score(tx(id))));
    expect(store.calls).toEqual([ids]);
    expect(got.map((d) => d.transactionId)).toEqual(ids);
    // the card's history: each saw the ones before it
    const next = await s.score(tx("e"));
    expect(store.calls).toEqual([ids, ["e"]]);
    expect(next.degraded).toBe(false);
  });

  it("gives a repeat in the same turn the first one's decision without observing it again", async () => {
    const store = new RecordingStore();
    const { s, metrics } = scorer(store);
    const [first, again] = await Promise.all([s.score(tx("x")), s.score(tx("x"))]);
    expect(again).toBe(first);
    expect(store.calls).toEqual([["x"]]);
    const counted = (await metrics.registry.getSingleMetric("fraud_decisions_total")!.get()).values.reduce((n, v) => n + v.value, 0);
    expect(counted).toBe(1);
  });

  it("sends waiting single requests before a batch that follows them", async () => {
    const store = new RecordingStore();
    const { s } = scorer(store);
    const single = s.score(tx("s1"));
    const batch = s.scoreBatch([tx("b1"), tx("b2")]);
    await Promise.all([single, batch]);
    expect(store.calls).toEqual([["s1"], ["b1", "b2"]]);
  });

  it("scores a turn degraded when the store fails, and gives every reservation back", async () => {
    const store = new RecordingStore();
    store.fail = true;
    const { s, decisions } = scorer(store);
    const got = await Promise.all([s.score(tx("f1")), s.score(tx("f2"))]);
    expect(got.map((d) => d.degraded)).toEqual([true, true]);
    expect(decisions.buffered).toBe(2);
    // capacity 1000: all of it can still be reserved once those two are written or counted
    expect(decisions.reserve(998)).toBe(true);
    expect(decisions.reserve(1)).toBe(false);
  });
});
