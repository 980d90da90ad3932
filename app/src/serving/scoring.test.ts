import { describe, expect, it } from "vitest";
import { defaultFeatureConfig } from "../features/compute";
import { FEATURE_NAMES, type FeatureStore, type Transaction } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { DecisionLog } from "../store/decision-log";
import type { DecisionRow } from "../store/decision-row";
import type { SqlClient } from "../store/sql";
import { testMetadata, testModelJson } from "../testing/model-fixtures";
import { RecordingStore } from "../testing/recording-store";
import { FeatureBackfill } from "./backfill";
import { silentLogger } from "./log";
import { Metrics } from "./metrics";
import { type ModelHolder, PreparedModel } from "./model-holder";
import { Scorer } from "./scoring";

describe("Scorer", () => {
  /** The decisions table in memory: the decision log's insert (no COPY here) and its read by ids. */
  function fakeSql(table: Map<string, DecisionRow>): SqlClient {
    return {
      query: async (text: string, params: unknown[] = []) => {
        if (text.startsWith("INSERT INTO")) {
          for (const r of JSON.parse(params[0] as string) as DecisionRow[])
            table.set(r.transaction_id, { ...r, occurred_at: new Date(r.occurred_at) });
        }
        const ids = text.includes("ANY(") ? (params[0] as string[]) : [];
        return { rows: ids.flatMap((id) => table.get(id) ?? []) };
      },
      transaction: async () => undefined,
      close: async () => undefined,
    } as unknown as SqlClient;
  }

  function scorer(store: FeatureStore, withBackfill = false) {
    const table = new Map<string, DecisionRow>();
    const metrics = new Metrics({ defaultMetrics: false });
    const decisions = new DecisionLog(fakeSql(table), { capacity: 1000, lingerMs: 1 });
    const model = new PreparedModel(
      { version: "v1", metadata: testMetadata("v1"), model: XGBoostModel.fromJson(testModelJson(), FEATURE_NAMES) },
      {},
    );
    const models = { current: model } as unknown as ModelHolder;
    const backfill = withBackfill
      ? new FeatureBackfill(store, { capacity: 100, onDrop: () => undefined, onError: () => undefined })
      : undefined;
    const s = new Scorer({
      featureStore: store,
      decisions,
      models,
      metrics,
      features: defaultFeatureConfig,
      featureStoreTimeoutMs: 200,
      log: silentLogger,
      backfill,
    });
    const count = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values.reduce((n, v) => n + v.value, 0);
    return { s, metrics, decisions, table, backfill, count };
  }

  const tx = (id: string, cardId = "c"): Transaction => ({
    transactionId: id,
    timestamp: Date.UTC(2024, 0, 1),
    cardId,
    merchantId: "m",
    amount: 10,
  });

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

  it("gives back the room of batch repeats, of a store that throws at once, and of a duplicate found stored", async () => {
    const store = new RecordingStore();
    const { s, decisions } = scorer(store);
    const full = () => {
      // capacity 1000 minus what is buffered: every other slot must be free again
      const free = 1000 - decisions.buffered;
      const ok = decisions.reserve(free) && !decisions.reserve(1);
      decisions.release(free);
      return ok;
    };
    await s.scoreBatch([tx("r1"), tx("r1"), tx("r2")]);
    expect(decisions.buffered).toBe(2);
    expect(full()).toBe(true);

    const refusing = new RecordingStore();
    refusing.observeMany = () => {
      throw new Error("refused outright");
    };
    const r = scorer(refusing);
    await expect(r.s.score(tx("x1"))).rejects.toThrow("refused outright");
    expect(r.decisions.reserve(1000)).toBe(true);

    // another process with its own (empty) log: the store calls r1 a duplicate whose decision was
    // never written, so it is scored again into fresh room, the first room having been given back
    const fresh = scorer(store);
    const again = await fresh.s.score(tx("r1"));
    expect(again.transactionId).toBe("r1");
    expect(fresh.decisions.buffered).toBe(1);
    expect(fresh.decisions.reserve(999)).toBe(true);
    expect(fresh.decisions.reserve(1)).toBe(false);
  });

  it("answers a repeat with its stored decision while the store is down, without counting it", async () => {
    const store = new RecordingStore();
    const { s, decisions, count } = scorer(store);
    const first = await s.score(tx("w"));
    expect(await decisions.drain(Date.now() + 1000)).toEqual([]);
    store.fail = true;
    const [again, other] = await Promise.all([s.score(tx("w")), s.score(tx("v"))]);
    expect(again).toEqual({ ...first, reasonsJson: undefined });
    expect(again.degraded).toBe(false);
    expect(other.degraded).toBe(true);
    expect(await count("fraud_decisions_total")).toBe(2);
    expect(await count("fraud_degraded_total")).toBe(1);
  });

  it("records degraded transactions in the store once it answers, and meanwhile answers their repeats as stored", async () => {
    const store = new RecordingStore();
    const { s, decisions, backfill, count } = scorer(store, true);
    store.fail = true;
    const degraded = await Promise.all([s.score(tx("d1")), s.score(tx("d2"))]);
    expect(backfill!.size).toBe(2);
    expect(await decisions.drain(Date.now() + 1000)).toEqual([]);

    store.fail = false;
    await new Promise((r) => setTimeout(r, 1100)); // past the breaker's second
    // d1 is written and out of the buffer, and the store would call it new: the backfill knows better
    const [next, again] = await Promise.all([s.score(tx("n1")), s.score(tx("d1"))]);
    expect(next.degraded).toBe(false);
    expect(again).toEqual({ ...degraded[0], reasonsJson: undefined });
    expect(await count("fraud_decisions_total")).toBe(3);
    // the store's first answer set the backfill going, behind the transactions of that call
    for (let i = 0; i < 100 && backfill!.size > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(backfill!.size).toBe(0);
    expect(store.calls.slice(-2)).toEqual([["n1"], ["d1", "d2"]]);
    // now the store has them: a repeat is its duplicate, answered from the log
    const repeat = await s.score(tx("d2"));
    expect(repeat).toEqual({ ...degraded[1], reasonsJson: undefined });
    expect(store.calls.at(-1)).toEqual(["d2"]);
    expect(await count("fraud_decisions_total")).toBe(3);
  });
});
