/**
 * The FeatureStore contract every store must meet, and the transactions it runs on; run by
 * memory-store.test.ts and redis-store.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DAY_MS } from "./compute";
import type { FeatureStore, FraudLabel, Transaction } from "./types";

export const T0 = Date.UTC(2024, 2, 1);
export const HOUR = 3600_000;
let seq = 0;
export const tx = (over: Partial<Transaction> & { timestamp: number }): Transaction => ({
  transactionId: `tx${++seq}`,
  cardId: "card-1",
  merchantId: "merchant-1",
  amount: 10,
  ...over,
});

export function contract(name: string, open: () => Promise<FeatureStore>): void {
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
