import { describe, expect, it } from "vitest";
import type { Transaction } from "../features/types";
import { RecordingStore } from "../testing/recording-store";
import { FeatureBackfill } from "./backfill";

const T0 = Date.UTC(2024, 0, 1);
const tx = (i: number): Transaction => ({ transactionId: `t${i}`, timestamp: T0 + i * 1000, cardId: "c", merchantId: "m", amount: 10 });

function backfill(store: RecordingStore, capacity = 1000) {
  const dropped: number[] = [];
  const errors: unknown[] = [];
  const b = new FeatureBackfill(store, { capacity, onDrop: (n) => dropped.push(n), onError: (e) => errors.push(e) });
  return { b, dropped, errors };
}

describe("FeatureBackfill", () => {
  it("observes what is pending oldest first, 100 per store call, then has nothing", async () => {
    const store = new RecordingStore();
    const { b } = backfill(store);
    for (let i = 0; i < 250; i++) b.add(tx(i));
    expect(b.has("t7")).toBe(true);
    expect(await b.flush()).toBe(true);
    expect(store.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(store.calls.flat()).toEqual(Array.from({ length: 250 }, (_, i) => `t${i}`));
    expect(b.size).toBe(0);
    expect(b.has("t7")).toBe(false);
    // the store counted them: the card's next transaction sees all 250
    const next = await store.observe(tx(250));
    expect(next.snapshot.cardCounts[0]).toBe(250);
  });

  it("keeps what a failed call did not record, and records it at the next flush", async () => {
    const store = new RecordingStore();
    const { b, errors } = backfill(store);
    for (let i = 0; i < 3; i++) b.add(tx(i));
    store.fail = true;
    expect(await b.flush()).toBe(false);
    expect(errors).toHaveLength(1);
    expect(b.size).toBe(3);
    store.fail = false;
    expect(await b.flush()).toBe(true);
    expect(store.calls).toEqual([
      ["t0", "t1", "t2"],
      ["t0", "t1", "t2"],
    ]);
  });

  it("drops the oldest past its capacity, and counts them", async () => {
    const store = new RecordingStore();
    const { b, dropped } = backfill(store, 2);
    for (let i = 0; i < 5; i++) b.add(tx(i));
    expect(dropped).toEqual([1, 1, 1]);
    expect(b.has("t2")).toBe(false);
    await b.flush();
    expect(store.calls).toEqual([["t3", "t4"]]);
  });

  it("shares one run between concurrent flushes, and stops at the deadline", async () => {
    const store = new RecordingStore();
    const { b } = backfill(store);
    for (let i = 0; i < 150; i++) b.add(tx(i));
    expect(await Promise.all([b.flush(), b.flush()])).toEqual([true, true]);
    expect(store.calls).toHaveLength(2);
    b.add(tx(1000));
    expect(await b.flush(Date.now() - 1)).toBe(false);
    expect(b.size).toBe(1);
  });

  it("refuses a capacity below 1", () => {
    expect(() => backfill(new RecordingStore(), 0)).toThrow(/capacity must be >= 1, got 0/);
  });
});
