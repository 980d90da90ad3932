/**
 * The FeatureStore contract, run against the in-memory store and (when reachable) real Redis,
 * plus the replay equivalence the trainer relies on: one stream through both stores gives the
 * same feature vectors, NaN included.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, uniqueTestName } from "../testing/services";
import { computeFeatures, DAY_MS, defaultFeatureConfig, FEATURE_INDEX, featureConfig } from "./compute";
import { MemoryFeatureStore } from "./memory-store";
import { RedisFeatureStore } from "./redis-store";
import type { FeatureStore, FraudLabel, Transaction } from "./types";
import { seededRandom } from "../testing/random";

const T0 = Date.UTC(2024, 2, 1);
const HOUR = 3600_000;
let seq = 0;
const tx = (over: Partial<Transaction> & { timestamp: number }): Transaction => ({
  transactionId: `tx${++seq}`,
  cardId: "card-1",
  merchantId: "merchant-1",
  amount: 10,
  ...over,
});

function contract(name: string, open: () => Promise<FeatureStore>): void {
  describe(name, () => {
    let store: FeatureStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
    });
    // every case uses its own card and merchant ids so cases stay independent
    let n = 0;
    const ids = () => ({ cardId: `${name}-c${++n}`, merchantId: `${name}-m${n}` });

    // T0 is midnight UTC: day D0 of the grid. The stores shift the merchant risk windows by the
    // default 7-day delay: a fraud of day D0 is read from day D0 + 8 on.
    it("reads the card's last day exactly and the merchant's on the hour grid, never a later bucket", async () => {
      const who = ids();
      const late = tx({ ...who, timestamp: T0 + 2 * HOUR, amount: 99 });
      const early = tx({ ...who, timestamp: T0 + HOUR, amount: 5 });
      expect((await store.observe(late)).snapshot.cardCounts).toEqual([0, 0, 0]);
      // arrives later but happened earlier: the later one is in its future, except on the day grid
      const r = await store.observe(early);
      expect(r.snapshot.cardCounts).toEqual([0, 1, 1]);
      expect(r.snapshot.cardPreviousAt).toBeNaN();
      expect(r.snapshot.merchantCounts).toEqual([0, 1, 1]);
      const next = await store.observe(tx({ ...who, timestamp: T0 + 3 * HOUR }));
      expect(next.snapshot.cardCounts).toEqual([2, 2, 2]);
      expect(next.snapshot.cardCents).toEqual([10400, 10400, 10400]);
      expect(next.snapshot.cardPreviousAt).toBe(T0 + 2 * HOUR);
      expect(next.snapshot.merchantCounts).toEqual([2, 2, 2]);
    });

    it("keeps both of two transactions at the same millisecond and amount", async () => {
      const who = ids();
      await store.observe(tx({ ...who, timestamp: T0 }));
      await store.observe(tx({ ...who, timestamp: T0 }));
      const r = await store.observe(tx({ ...who, timestamp: T0 }));
      expect(r.snapshot.cardCounts).toEqual([2, 2, 2]);
      expect(r.snapshot.cardCents).toEqual([2000, 2000, 2000]);
      expect(r.snapshot.cardPreviousAt).toBe(T0);
      expect(r.snapshot.merchantCounts).toEqual([2, 2, 2]);
    });

    it("reads each window's edges on the grid", async () => {
      const who = ids();
      const t = T0 + 40 * DAY_MS + 12 * HOUR;
      const history = [t - 30 * DAY_MS, t - 29 * DAY_MS, t - 7 * DAY_MS, t - 6 * DAY_MS, t - DAY_MS, t - DAY_MS + HOUR];
      for (const at of history) await store.observe(tx({ ...who, timestamp: at }));
      const r = await store.observe(tx({ ...who, timestamp: t }));
      // card 1d: (t - 1 day, t]; 7d and 30d: this day and the 6 / 29 before it
      expect(r.snapshot.cardCounts).toEqual([1, 3, 5]);
      expect(r.snapshot.cardPreviousAt).toBe(t - DAY_MS + HOUR);
      // merchant 1d: this hour and the 23 before it
      expect(r.snapshot.merchantCounts).toEqual([1, 3, 5]);
    });

    it("records a duplicate transactionId once and scores a retry without itself", async () => {
      const who = ids();
      await store.observe(tx({ ...who, timestamp: T0, amount: 7 }));
      const first = tx({ ...who, timestamp: T0 + HOUR, amount: 12.34 });
      const a = await store.observe(first);
      const b = await store.observe(first);
      expect(a.duplicate).toBe(false);
      expect(b.duplicate).toBe(true);
      expect(b.snapshot).toEqual(a.snapshot);
      const after = await store.observe(tx({ ...who, timestamp: T0 + 2 * HOUR }));
      expect(after.snapshot.cardCounts).toEqual([2, 2, 2]);
      expect(after.snapshot.cardCents).toEqual([1934, 1934, 1934]);
      expect(after.snapshot.merchantCounts).toEqual([2, 2, 2]);
    });

    it("counts a transactionId named again with another card or merchant as another transaction", async () => {
      const who = ids();
      const first = tx({ ...who, timestamp: T0 });
      await store.observe(first);
      const otherCard = { ...first, cardId: `${who.cardId}-other`, timestamp: T0 + HOUR };
      const a = await store.observe(otherCard);
      expect(a.duplicate).toBe(false);
      expect(a.snapshot.merchantCounts).toEqual([1, 1, 1]);
      const otherMerchant = { ...first, merchantId: `${who.merchantId}-other`, timestamp: T0 + 2 * HOUR };
      const b = await store.observe(otherMerchant);
      expect(b.duplicate).toBe(false);
      expect(b.snapshot.cardCounts).toEqual([1, 1, 1]);
      // each is a repeat of itself; the first, without itself, sees the others on its day only
      expect((await store.observe(otherCard)).duplicate).toBe(true);
      expect((await store.observe(otherMerchant)).duplicate).toBe(true);
      const again = await store.observe(first);
      expect(again.duplicate).toBe(true);
      expect(again.snapshot.cardCounts).toEqual([0, 1, 1]);
      expect(again.snapshot.merchantCounts).toEqual([0, 1, 1]);
    });

    it("counts a fraud label in the windows shifted by the label delay, once", async () => {
      const who = ids();
      const bad = tx({ ...who, timestamp: T0 + 12 * HOUR });
      await store.observe(bad);
      const label: FraudLabel = {
        transactionId: bad.transactionId,
        merchantId: who.merchantId,
        timestamp: bad.timestamp,
        knownAt: T0 + DAY_MS,
      };
      await store.recordFraudLabel(label);
      await store.recordFraudLabel(label); // idempotent
      const at = (ms: number) => tx({ ...who, cardId: "other", timestamp: T0 + ms });
      // reported early: in the merchant's recent windows at once
      expect((await store.observe(at(DAY_MS))).snapshot.merchantRecentFrauds).toEqual([1, 1]);
      expect((await store.observe(at(DAY_MS + 12 * HOUR))).snapshot.merchantRecentFrauds).toEqual([0, 1]);
      // the windows end before the hour of t - 7 days: the labelled hour is still ahead of them
      const before = await store.observe(at(7 * DAY_MS + 12 * HOUR + 59 * 60_000));
      expect(before.snapshot.merchantDelayedFrauds).toEqual([0, 0, 0, 0]);
      expect(before.snapshot.merchantDelayedCounts).toEqual([0, 0, 0, 0]);
      const next = await store.observe(at(7 * DAY_MS + 13 * HOUR));
      expect(next.snapshot.merchantDelayedFrauds).toEqual([1, 1, 1, 1]);
      expect(next.snapshot.merchantDelayedCounts).toEqual([1, 1, 1, 1]);
      expect(next.snapshot.merchantRecentFrauds).toEqual([0, 0]);
      // a day later it has left the 1-day window
      const later = await store.observe(at(8 * DAY_MS + 13 * HOUR));
      expect(later.snapshot.merchantDelayedFrauds).toEqual([0, 1, 1, 1]);
      // a report known earlier than the standing one changes nothing
      await store.retractFraudLabel({ ...label, knownAt: T0 + HOUR });
      const still = await store.observe(at(8 * DAY_MS + 14 * HOUR));
      expect(still.snapshot.merchantDelayedFrauds).toEqual([0, 1, 1, 1]);
    });

    it("applies a transaction's labels in report order, whatever order they arrive in", async () => {
      const reports = [
        { legit: false, knownAt: T0 + 2 * HOUR },
        { legit: true, knownAt: T0 + 3 * HOUR },
        { legit: false, knownAt: T0 + 5 * HOUR },
      ];
      const orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
      ];
      for (const order of orders) {
        const who = ids();
        const bad = tx({ ...who, timestamp: T0 });
        await store.observe(bad);
        for (const i of order) {
          const label = { transactionId: bad.transactionId, merchantId: who.merchantId, timestamp: T0, knownAt: reports[i]!.knownAt };
          await (reports[i]!.legit ? store.retractFraudLabel(label) : store.recordFraudLabel(label));
        }
        // the fraud report at 5h stands (the legit one at 3h undid the one at 2h)
        const read = async (minute: number) =>
          (await store.observe(tx({ ...who, cardId: "other", timestamp: T0 + 7 * DAY_MS + HOUR + minute * 60_000 }))).snapshot
            .merchantDelayedFrauds;
        expect(await read(1), `order ${order}`).toEqual([1, 1, 1, 1]);
        // a legit label at the same time as the standing fraud one stands; the fraud one again does not undo it
        const tie = { transactionId: bad.transactionId, merchantId: who.merchantId, timestamp: T0, knownAt: T0 + 5 * HOUR };
        await store.retractFraudLabel(tie);
        await store.recordFraudLabel(tie);
        expect(await read(2), `order ${order}`).toEqual([0, 0, 0, 0]);
      }
    });

    it("stops counting a retracted fraud label; retracting what is not there changes nothing", async () => {
      const who = ids();
      const bad = tx({ ...who, timestamp: T0 });
      const also = tx({ ...who, cardId: "other", timestamp: T0 + HOUR });
      await store.observe(bad);
      await store.observe(also);
      for (const t of [bad, also])
        await store.recordFraudLabel({
          transactionId: t.transactionId,
          merchantId: who.merchantId,
          timestamp: t.timestamp,
          knownAt: T0 + 2 * HOUR,
        });
      const at = (n: number) => tx({ ...who, cardId: `c${n}`, timestamp: T0 + 7 * DAY_MS + 2 * HOUR + n * 60_000 });
      expect((await store.observe(at(1))).snapshot.merchantDelayedFrauds).toEqual([2, 2, 2, 2]);
      const legit = { transactionId: bad.transactionId, merchantId: who.merchantId, timestamp: T0, knownAt: T0 + 3 * HOUR };
      await store.retractFraudLabel(legit);
      await store.retractFraudLabel(legit);
      await store.retractFraudLabel({
        transactionId: "never-labelled",
        merchantId: who.merchantId,
        timestamp: T0 + HOUR,
        knownAt: T0 + 3 * HOUR,
      });
      expect((await store.observe(at(2))).snapshot.merchantDelayedFrauds).toEqual([1, 1, 1, 1]);
      // labelled again later: counts again
      await store.recordFraudLabel({ transactionId: bad.transactionId, merchantId: who.merchantId, timestamp: T0, knownAt: T0 + 6 * HOUR });
      const after = await store.observe(at(3));
      expect(after.snapshot.merchantDelayedFrauds).toEqual([2, 2, 2, 2]);
      expect(after.snapshot.merchantDelayedCounts).toEqual([2, 2, 2, 2]);
    });

    it("forgets what no window needs", async () => {
      const who = ids();
      await store.observe(tx({ ...who, timestamp: T0 }));
      await store.observe(tx({ ...who, timestamp: T0 + 31 * DAY_MS }));
      // out of order, within 30 days of the first: the card's day 0 is gone already (trimmed against
      // the newest); the merchant keeps 30 days and the delay
      const r = await store.observe(tx({ ...who, timestamp: T0 + 20 * DAY_MS }));
      expect(r.snapshot.cardCounts).toEqual([0, 0, 0]);
      expect(r.snapshot.cardPreviousAt).toBeNaN();
      expect(r.snapshot.merchantCounts).toEqual([0, 0, 1]);
    });

    it("never counts a label of a transaction older than the merchant keeps", async () => {
      const who = ids();
      await store.observe(tx({ ...who, timestamp: T0 + 40 * DAY_MS }));
      // day 2 is more than 37 days behind day 40: out of every window a transaction reads
      await store.recordFraudLabel({
        transactionId: "old-fraud",
        merchantId: who.merchantId,
        timestamp: T0 + 2 * DAY_MS,
        knownAt: T0 + 41 * DAY_MS,
      });
      await store.recordFraudLabel({
        transactionId: "new-fraud",
        merchantId: who.merchantId,
        timestamp: T0 + 15 * DAY_MS,
        knownAt: T0 + 41 * DAY_MS,
      });
      // late, on day 30: the delayed windows end on day 22
      const late = await store.observe(tx({ ...who, timestamp: T0 + 30 * DAY_MS }));
      expect(late.snapshot.merchantDelayedFrauds).toEqual([0, 0, 1, 1]);
      expect(late.snapshot.merchantDelayedCounts).toEqual([0, 0, 0, 0]);
    });

    it("shows a late transaction only what trimming against the newest left, whatever the arrival order", async () => {
      const who = ids();
      await store.observe(tx({ ...who, timestamp: T0 + 10 * DAY_MS }));
      // late, still within 30 days of the newest: kept, behind a newer bucket
      await store.observe(tx({ ...who, timestamp: T0, amount: 3 }));
      // the newest moves to day 35: the card's day 0 falls out, day 10 stays
      await store.observe(tx({ ...who, timestamp: T0 + 35 * DAY_MS }));
      // late again: its own 30 days would reach day 0, but day 0 is gone
      const r = await store.observe(tx({ ...who, timestamp: T0 + 29 * DAY_MS }));
      expect(r.snapshot.cardCounts).toEqual([0, 0, 1]);
      expect(r.snapshot.cardCents).toEqual([0, 0, 1000]);
      expect(r.snapshot.cardPreviousAt).toBeNaN();
      expect(r.snapshot.merchantCounts).toEqual([0, 0, 2]);
    });
  });
}

contract("memory store", async () => new MemoryFeatureStore());

describe("memory store bounds", () => {
  it("keeps about 30 days of state on a long stream and expires idempotency ids", () => {
    const store = new MemoryFeatureStore({ maxLatenessMs: DAY_MS });
    const days = 200;
    for (let i = 0; i < days * 200; i++) {
      const timestamp = T0 + Math.floor((i / 200) * DAY_MS);
      // cards and merchants rotate: old ones go idle and must be swept
      const day = Math.floor(i / 200);
      store.observeSync({
        transactionId: `b${i}`,
        timestamp,
        cardId: `c${(i % 50) + day * 50}`,
        merchantId: `m${i % 7}-${Math.floor(day / 10)}`,
        amount: 1,
      });
    }
    const s = store.stats();
    // 200 tx/day on 50 new cards a day: ~32 days of cards (a day bucket and 4 records each), ~31 days of ids
    expect(s.cards).toBeLessThanOrEqual(50 * 33);
    expect(s.cardEntries).toBeLessThanOrEqual(50 * 33 * 5);
    expect(s.rememberedIds).toBeLessThanOrEqual(200 * 32);
    expect(s.rememberedIds).toBeGreaterThanOrEqual(200 * 30);
    // merchants change every 10 days and are kept for 38 days of windows
    expect(s.merchants).toBeLessThanOrEqual(7 * 6);
  });

  it("validates its options", () => {
    expect(() => new MemoryFeatureStore({ idRetentionMs: DAY_MS })).toThrow(/idRetentionMs must be >= 30 days/);
  });
});

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
