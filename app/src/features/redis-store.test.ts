/**
 * The Redis FeatureStore against real Redis (when reachable): the contract, TTLs and trimming, plus
 * the replay equivalence the trainer relies on: one stream through both stores gives the same
 * feature vectors, NaN included.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, uniqueTestName } from "../testing/services";
import { computeFeatures, DAY_MS, defaultFeatureConfig, FEATURE_INDEX, featureConfig } from "./compute";
import { MemoryFeatureStore } from "./memory-store";
import { RedisFeatureStore } from "./redis-store";
import type { FraudLabel, Transaction } from "./types";
import { seededRandom } from "../testing/random";
import { contract, HOUR, T0, tx } from "./store-contract";

describeWithRedis("redis store", (redisUrl) => {
  const prefix = `${uniqueTestName("features")}:`;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  contract("contract", () => RedisFeatureStore.connect(redisUrl, { keyPrefix: `${prefix}contract:` }));

  it("sets TTLs on every key it writes, trims cards and merchants to 30 days and remembers ids for idTtlMs", async () => {
    const store = await RedisFeatureStore.connect(redisUrl, { keyPrefix: `${prefix}ttl:`, keyTtlMs: 10 * DAY_MS, idTtlMs: 11 * DAY_MS });
    try {
      const txs = Array.from({ length: 40 }, (_, d) => tx({ cardId: "c", merchantId: "m", timestamp: T0 + d * DAY_MS }));
      for (const t of txs) await store.observe(t);
      await store.recordFraudLabel({ transactionId: "x", merchantId: "m", timestamp: T0 + 39 * DAY_MS, knownAt: T0 + 39 * DAY_MS });
      const keys = await admin.keys(`${prefix}ttl:*`);
      expect(keys.length).toBe(3); // card + merchant + the label's state
      for (const key of keys) {
        const ttl = await admin.pttl(key);
        expect(ttl, key).toBeGreaterThan(9 * DAY_MS);
        expect(ttl, key).toBeLessThanOrEqual(10 * DAY_MS);
      }
      // newest is day 39: the card keeps the records of days 28..39 (ids for 11 days) and the
      // buckets of days 10..39, the merchant the hours of days 31..39 (the delay and 2 days) and
      // days 2..39 (30 days and the delay); each string has room in front of its body
      const body = async (key: string) => {
        const s = (await admin.getBuffer(key))!;
        return s.length - s.indexOf(1);
      };
      expect(await body(store.key("card", "c"))).toBe(29 + 12 * 24 + 29 * 16);
      expect(await body(store.key("merchant", "m"))).toBe(15 + 9 * 12 + 37 * 12);
      expect((await store.observe(txs[28]!)).duplicate).toBe(true);
      expect((await store.observe(txs[27]!)).duplicate).toBe(false);
    } finally {
      await store.close();
    }
  });

  it("fails fast with a clear error when Redis is not there", async () => {
    await expect(RedisFeatureStore.connect("redis://127.0.0.1:1", { connectTimeoutMs: 300 })).rejects.toThrow(
      /Redis not ready after 300 ms/,
    );
  });

  describe("replay equivalence with the in-memory store", () => {
    /**
     * A small random stream shaped like the simulator's: repeat cards and merchants, labels with
     * delays. `bursty`: nine steps in ten within two minutes (many transactions of a card in a day
     * and of a merchant in an hour, the observe script's in-place updates), the rest up to 10 h.
     */
    function stream(seed: number, bursty: boolean) {
      const rand = seededRandom(seed);
      const events: ({ kind: "tx"; tx: Transaction } | { kind: "label"; label: FraudLabel })[] = [];
      const seen: Transaction[] = [];
      let t = T0;
      for (let i = 0; i < 2500; i++) {
        // ~ 40 days in all (bursty: ~ 54)
        t += Math.floor(bursty ? (rand() < 0.9 ? rand() * 2 * 60_000 : rand() * 10 * HOUR) : rand() * HOUR);
        const r = rand();
        let next: Transaction;
        if (r < 0.03 && seen.length > 0) {
          // a retried transaction, recent: ids are remembered for 31 days of data time in memory,
          // 31 days behind the card's newest transaction in Redis, which only agree for live traffic
          next = seen[Math.max(0, seen.length - 1 - Math.floor(rand() * 300))];
        } else if (r < 0.035 && seen.length > 0) {
          // its transactionId again with another card or merchant: another transaction
          const again = seen[Math.max(0, seen.length - 1 - Math.floor(rand() * 300))];
          next =
            rand() < 0.5
              ? { ...again, cardId: `card${Math.floor(rand() * 40)}` }
              : { ...again, merchantId: `merchant${Math.floor(rand() * 25)}` };
          seen.push(next);
        } else {
          // 5%: equal timestamp to the previous; 5%: up to 2 h late
          const at = r < 0.08 ? t : r < 0.13 ? t - Math.floor(rand() * 2 * HOUR) : t;
          next = {
            transactionId: `r${seed}-${i}`,
            timestamp: at,
            cardId: `card${Math.floor(rand() * 40)}`,
            merchantId: `merchant${Math.floor(rand() ** 2 * 25)}`,
            amount: Math.round((1 + rand() * 300) * 100) / 100,
          };
          seen.push(next);
        }
        events.push({ kind: "tx", tx: next });
        if (rand() < 0.08) {
          // labelled fraud, known at report time or after the replay delay
          const delay = rand() < 0.5 ? defaultFeatureConfig.labelDelayMs : Math.floor(rand() * 10 * DAY_MS);
          const label = {
            transactionId: next.transactionId,
            merchantId: next.merchantId,
            timestamp: next.timestamp,
            knownAt: next.timestamp + delay,
          };
          events.push({ kind: "label", label });
          if (rand() < 0.2) events.push({ kind: "label", label: { ...label, knownAt: label.knownAt - HOUR } });
        }
      }
      return events;
    }

    // "one by one": an awaited observe each; "observeMany" and "concurrent": the transactions
    // between two labels go in groups of up to 250, through one observeMany call or as concurrent
    // observe calls (each its own script call, sent in call order), which must see each other in order.
    it.each([
      [1, "one by one", false],
      [2, "one by one", false],
      [3, "observeMany", false],
      [4, "concurrent", false],
      [5, "one by one", true],
      [6, "observeMany", true],
    ] as const)(
      "gives identical feature vectors, NaN included (seed %i, %s, bursty %s)",
      async (seed, mode, bursty) => {
        const memory = new MemoryFeatureStore();
        // a loaded CI machine can stall a command past the serving default of 250 ms: this test is about the vectors
        const redis = await RedisFeatureStore.connect(redisUrl, { keyPrefix: `${prefix}eq${seed}:`, commandTimeoutMs: 5000 });
        const cfg = featureConfig({ timezone: "Europe/Brussels" });
        let compared = 0,
          duplicates = 0,
          nans = 0,
          frauds = 0;
        const group: Transaction[] = [];
        const flush = async () => {
          const txs = group.splice(0);
          const got = mode === "observeMany" ? await redis.observeMany(txs) : await Promise.all(txs.map((tx) => redis.observe(tx)));
          for (let j = 0; j < txs.length; j++) {
            const tx = txs[j];
            const a = memory.observeSync(tx);
            const b = got[j];
            expect(b.duplicate).toBe(a.duplicate);
            const fa = computeFeatures(tx, a.snapshot, cfg);
            const fb = computeFeatures(tx, b.snapshot, cfg);
            for (let i = 0; i < fa.length; i++) {
              if (!Object.is(fa[i], fb[i])) {
                throw new Error(`feature ${i} of ${tx.transactionId}: memory ${fa[i]} vs redis ${fb[i]}`);
              }
            }
            compared++;
            if (a.duplicate) duplicates++;
            if (Number.isNaN(fa[FEATURE_INDEX.amount_to_card_mean_1d]!)) nans++;
            if (fa[FEATURE_INDEX.merchant_fraud_risk_30d]! > 0) frauds++;
          }
        };
        try {
          for (const e of stream(seed, bursty)) {
            if (e.kind === "label") {
              await flush();
              memory.recordFraudLabelSync(e.label);
              await redis.recordFraudLabel(e.label);
              continue;
            }
            group.push(e.tx);
            if (mode === "one by one" || group.length === 250) await flush();
          }
          await flush();
        } finally {
          await redis.close();
        }
        // the stream exercised what it is meant to
        expect(compared).toBe(2500);
        expect(duplicates).toBeGreaterThan(20);
        expect(nans).toBeGreaterThan(10);
        expect(frauds).toBeGreaterThan(100);
      },
      60_000,
    );
  });
});
