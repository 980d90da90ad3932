import { describe, expect, it } from "vitest";
import { computeFeatures, defaultFeatureConfig, FEATURE_INDEX, featureConfig } from "./compute";
import { describeFeature } from "./reasons";
import { clockFor, TimezoneClock } from "./timezone";
import { FEATURE_NAMES, type HistorySnapshot, type Transaction } from "./types";
import { seededRandom } from "../testing/random";

// Wednesday 2024-01-10 12:00:00 UTC
const T = Date.UTC(2024, 0, 10, 12);
const tx = (over: Partial<Transaction> = {}): Transaction => ({
  transactionId: "t",
  timestamp: T,
  cardId: "c",
  merchantId: "m",
  amount: 50,
  ...over,
});
const empty: HistorySnapshot = {
  cardCounts: [0, 0, 0],
  cardCents: [0, 0, 0],
  cardPreviousAt: NaN,
  merchantCounts: [0, 0, 0],
  merchantDelayedCounts: [0, 0, 0, 0],
  merchantDelayedFrauds: [0, 0, 0, 0],
  merchantRecentFrauds: [0, 0],
};
const named = (x: Float64Array) => Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, x[i]]));

describe("computeFeatures", () => {
  it("gives NaN for history-based ratios when the card has none, zero means and counts", () => {
    const f = named(computeFeatures(tx(), empty, defaultFeatureConfig));
    expect(f).toEqual({
      amount: 50,
      card_tx_count_1d: 0,
      card_tx_count_7d: 0,
      card_tx_count_30d: 0,
      card_mean_amount_1d: 0,
      card_mean_amount_7d: 0,
      card_mean_amount_30d: 0,
      amount_to_card_mean_1d: NaN,
      amount_to_card_mean_7d: NaN,
      amount_to_card_mean_30d: NaN,
      amount_to_card_mean_8_30d: NaN,
      seconds_since_prev_card_tx: NaN,
      merchant_tx_count_1d: 0,
      merchant_tx_count_7d: 0,
      merchant_tx_count_30d: 0,
      merchant_fraud_risk_1d: 0,
      merchant_fraud_risk_7d: 0,
      merchant_fraud_risk_14d: 0,
      merchant_fraud_risk_30d: 0,
      merchant_delayed_tx_count_1d: 0,
      merchant_delayed_tx_count_7d: 0,
      merchant_delayed_tx_count_30d: 0,
      merchant_recent_fraud_risk_1d: 0,
      merchant_recent_fraud_risk_7d: 0,
      is_night: 0,
      is_weekend: 0,
    });
  });

  it("computes means, ratios, recency and risk by hand", () => {
    const s: HistorySnapshot = {
      cardCounts: [1, 2, 4],
      cardCents: [1000, 4000, 10000],
      cardPreviousAt: T - 2 * 3600_000,
      merchantCounts: [4, 10, 40],
      merchantDelayedCounts: [2, 10, 20, 50],
      merchantDelayedFrauds: [1, 1, 2, 4],
      merchantRecentFrauds: [1, 2],
    };
    const f = named(computeFeatures(tx({ amount: 120 }), s, defaultFeatureConfig));
    expect([f.card_tx_count_1d, f.card_tx_count_7d, f.card_tx_count_30d]).toEqual([1, 2, 4]);
    expect([f.card_mean_amount_1d, f.card_mean_amount_7d, f.card_mean_amount_30d]).toEqual([10, 20, 25]);
    expect([f.amount_to_card_mean_1d, f.amount_to_card_mean_7d, f.amount_to_card_mean_30d]).toEqual([12, 6, 4.8]);
    // days 8 to 30 back: 2 transactions, 60.00 in all
    expect(f.amount_to_card_mean_8_30d).toBe(4);
    expect(f.seconds_since_prev_card_tx).toBe(7200);
    expect([f.merchant_tx_count_1d, f.merchant_tx_count_7d, f.merchant_tx_count_30d]).toEqual([4, 10, 40]);
    expect([f.merchant_fraud_risk_1d, f.merchant_fraud_risk_7d, f.merchant_fraud_risk_14d, f.merchant_fraud_risk_30d]).toEqual([
      0.5, 0.1, 0.1, 0.08,
    ]);
    expect([f.merchant_delayed_tx_count_1d, f.merchant_delayed_tx_count_7d, f.merchant_delayed_tx_count_30d]).toEqual([2, 10, 50]);
    expect([f.merchant_recent_fraud_risk_1d, f.merchant_recent_fraud_risk_7d]).toEqual([0.25, 0.2]);
  });

  it("caps merchant risk at 1 and reads night/weekend in the configured zone", () => {
    const s: HistorySnapshot = { ...empty, merchantDelayedCounts: [1, 1, 1, 0], merchantDelayedFrauds: [2, 1, 0, 3] };
    // Saturday 2024-01-13 04:30 UTC = 23:30 Friday in New York
    const sat = Date.UTC(2024, 0, 13, 4, 30);
    const utc = named(computeFeatures(tx({ timestamp: sat }), s, defaultFeatureConfig));
    expect([utc.merchant_fraud_risk_1d, utc.merchant_fraud_risk_7d, utc.merchant_fraud_risk_14d, utc.merchant_fraud_risk_30d]).toEqual([
      1, 1, 0, 0,
    ]);
    expect([utc.is_night, utc.is_weekend]).toEqual([1, 1]);
    const ny = named(computeFeatures(tx({ timestamp: sat }), s, featureConfig({ timezone: "America/New_York" })));
    expect([ny.is_night, ny.is_weekend]).toEqual([0, 0]);
    // 05:59:59 is night, 06:00 is not
    expect(named(computeFeatures(tx({ timestamp: Date.UTC(2024, 0, 10, 5, 59, 59) }), empty, defaultFeatureConfig)).is_night).toBe(1);
    expect(named(computeFeatures(tx({ timestamp: Date.UTC(2024, 0, 10, 6) }), empty, defaultFeatureConfig)).is_night).toBe(0);
  });

  it("rejects an unknown timezone or a negative delay with a precise message", () => {
    expect(() => featureConfig({ timezone: "Mars/Olympus" })).toThrow(/unknown timezone "Mars\/Olympus"/);
    expect(() => featureConfig({ labelDelayMs: -1 })).toThrow(/labelDelayMs must be a finite number >= 0/);
  });
});

describe("timezone cache", () => {
  const zones = [
    "Europe/Brussels",
    "America/New_York",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
  ];
  // Hour and weekday straight from Intl, the reference the cache must reproduce.
  const formats = new Map(
    zones.map((zone) => [zone, new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", hour: "numeric", weekday: "short" })]),
  );
  const reference = (zone: string, ms: number) => {
    const parts = formats.get(zone)!.formatToParts(ms);
    const hour = Number(parts.find((p) => p.type === "hour")!.value);
    const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(parts.find((p) => p.type === "weekday")!.value);
    return { hour, weekday };
  };

  it.each(zones)("matches Intl minute by minute around every 2024 DST change in %s", (zone) => {
    const clock = new TimezoneClock(zone);
    // transitions: where the Intl offset changes between consecutive hours of 2024
    const transitions: number[] = [];
    for (let h = Date.UTC(2024, 0, 1); h < Date.UTC(2025, 0, 1); h += 3600_000) {
      if (clock.intlOffsetMs(h) !== clock.intlOffsetMs(h + 3600_000)) transitions.push(h);
    }
    if (zone !== "UTC" && zone !== "Asia/Kathmandu" && zone !== "Asia/Kolkata") expect(transitions.length).toBe(2);
    for (const tr of transitions) {
      for (let ms = tr - 3 * 3600_000; ms <= tr + 4 * 3600_000; ms += 60_000 + 7) {
        expect(clock.local(ms), `${zone} at ${new Date(ms).toISOString()}`).toEqual(reference(zone, ms));
      }
    }
  });

  it("matches Intl on random instants over 1990-2040", () => {
    const rand = seededRandom(42);
    for (const zone of zones) {
      const clock = clockFor(zone);
      for (let i = 0; i < 500; i++) {
        const ms = Math.floor(Date.UTC(1990, 0, 1) + rand() * (Date.UTC(2040, 0, 1) - Date.UTC(1990, 0, 1)));
        expect(clock.local(ms), `${zone} at ${ms}`).toEqual(reference(zone, ms));
      }
    }
  });

  it("handles instants before 1970", () => {
    const clock = clockFor("Europe/Brussels");
    const ms = Date.UTC(1969, 11, 31, 23, 30); // Thursday 00:30 local (UTC+1)
    expect(clock.local(ms)).toEqual({ hour: 0, weekday: 4 });
  });
});

describe("reason texts", () => {
  it("says what a value means", () => {
    const x = new Float64Array(FEATURE_NAMES.length);
    x[FEATURE_INDEX.amount_to_card_mean_30d] = 8.2;
    x[FEATURE_INDEX.seconds_since_prev_card_tx] = 95;
    x[FEATURE_INDEX.merchant_fraud_risk_7d] = 0.125;
    x[FEATURE_INDEX.card_tx_count_1d] = 1;
    x[FEATURE_INDEX.is_night] = 1;
    expect(describeFeature("amount_to_card_mean_30d", x)).toBe("amount is 8.2x the card's mean over the last 30 days");
    expect(describeFeature("seconds_since_prev_card_tx", x)).toBe("95 seconds since the card's previous transaction");
    expect(describeFeature("merchant_fraud_risk_7d", x)).toBe(
      "12.5% of the merchant's transactions over 7 days before the label delay are known fraud",
    );
    expect(describeFeature("card_tx_count_1d", x)).toBe("1 earlier card transaction in the last day");
    expect(describeFeature("is_night", x)).toBe("night-time transaction (before 06:00 local time)");
    x[FEATURE_INDEX.amount_to_card_mean_30d] = NaN;
    expect(describeFeature("amount_to_card_mean_30d", x)).toBe("no card history in the last 30 days");
    for (const name of FEATURE_NAMES) expect(describeFeature(name, x)).toMatch(/\w/);
  });
});
