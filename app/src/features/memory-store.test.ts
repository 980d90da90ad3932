/** The in-memory FeatureStore: the contract, and its bounds on a long stream. */
import { describe, expect, it } from "vitest";
import { contract, T0 } from "./store-contract";
import { DAY_MS } from "./compute";
import { MemoryFeatureStore } from "./memory-store";

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
