import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import type { ReferenceDistributions } from "../registry/metadata";
import { registerDriftMetrics } from "./drift-metrics";
import { DriftMonitor, type MonitoredModel } from "./drift-monitor";

// two features on bins [<10, >=10] at 50/50, plus a clock feature; score bins [<0.5, >=0.5] at 80/20
const reference: ReferenceDistributions = {
  features: {
    amount: { edges: [10], shares: [0.5, 0.5], missing: 0 },
    ratio: { edges: [1], shares: [0.5, 0.25], missing: 0.25 },
    is_night: { edges: [1], shares: [0.75, 0.25], missing: 0 },
  },
  featureRows: 1000,
  score: { edges: [0.5], shares: [0.8, 0.2], missing: 0 },
  scoreRows: 1000,
  rates: { review: 0.15, decline: 0.05 },
};

function model(
  version: string,
  over: { reference?: ReferenceDistributions; served?: { review: number; decline: number } } = {},
): MonitoredModel {
  const thresholds = { review: 0.5, decline: 0.9 };
  return {
    version,
    thresholds: over.served ?? thresholds,
    loaded: {
      metadata: {
        featureNames: ["amount", "ratio", "is_night"],
        thresholds,
        ...("reference" in over ? { reference: over.reference } : { reference }),
      },
    },
  };
}

const MIN = 60_000;

describe("drift monitor", () => {
  it("reports the PSI of live traffic on the reference bins, per window, at scrape time", () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const m = new DriftMonitor(() => now, 4);
    const v1 = model("v1");
    // 4 transactions: amount 2 low / 2 high (as the reference), ratio: 1 low, 1 high, 2 missing
    m.observe(v1, Float64Array.of(5, 0.5, 1), 0.1, "approve");
    m.observe(v1, Float64Array.of(20, 3, 0), 0.2, "approve");
    m.observe(v1, Float64Array.of(5, Number.NaN, 0), 0.6, "review");
    m.observe(v1, Float64Array.of(50, Number.NaN, 0), 0.95, "decline");
    const s = m.snapshot()!;
    expect(s.version).toBe("v1");
    const hour = s.windows.find((w) => w.window === "1h")!;
    expect(hour.transactions).toBe(4);
    expect(hour.featurePsi.get("amount")).toBe(0);
    // ratio live 0.25 / 0.25 / 0.5 missing against 0.5 / 0.25 / 0.25
    expect(hour.featurePsi.get("ratio")).toBeCloseTo(-0.25 * Math.log(0.5) + 0.25 * Math.log(2), 12);
    expect(hour.featurePsi.has("is_night")).toBe(false);
    // score live 0.5 / 0.5 against 0.8 / 0.2
    expect(hour.scorePsi).toBeCloseTo(-0.3 * Math.log(0.5 / 0.8) + 0.3 * Math.log(0.5 / 0.2), 12);
    expect(hour.rates).toEqual({ review: 0.25, decline: 0.25 });
    expect(s.expectedRates).toEqual({ review: 0.15, decline: 0.05 });
    now += 30 * MIN;
    expect(m.snapshot()!.windows.map((w) => w.transactions)).toEqual([4, 4]);
  });

  it("forgets a minute after an hour, an hour after a day", () => {
    let now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const m = new DriftMonitor(() => now, 1);
    const v1 = model("v1");
    m.observe(v1, Float64Array.of(5, 1, 0), 0.1, "approve");
    now += 10 * MIN;
    m.observe(v1, Float64Array.of(5, 1, 0), 0.1, "approve");
    now += 50 * MIN; // 12:60:30: the first minute (12:00) has left the hour window
    expect(m.snapshot()!.windows.map((w) => w.transactions)).toEqual([1, 2]);
    now += 10 * MIN;
    expect(m.snapshot()!.windows.map((w) => w.transactions)).toEqual([0, 2]);
    now += 23 * 60 * MIN; // 12:00 + 24h 10m: the 12h slot of the day window was reused for today's 12h
    expect(m.snapshot()!.windows.map((w) => w.transactions)).toEqual([0, 0]);
    m.observe(v1, Float64Array.of(5, 1, 0), 0.1, "approve");
    now += 3 * 24 * 60 * MIN; // a long silence clears everything
    expect(m.snapshot()!.windows.map((w) => w.transactions)).toEqual([0, 0]);
  });

  it("reports nothing below the minimum, starts over on a new model, ignores a model without reference", () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const m = new DriftMonitor(() => now, 2);
    const v1 = model("v1");
    m.observe(v1, Float64Array.of(5, 1, 0), 0.1, "approve");
    const few = m.snapshot()!.windows[0]!;
    expect(few.featurePsi.size).toBe(0);
    expect(few.scorePsi).toBeNaN();
    const v2 = model("v2", { served: { review: 0.4, decline: 0.9 } });
    m.observe(v2, Float64Array.of(5, 1, 0), 0.1, "approve");
    const s = m.snapshot()!;
    expect(s.version).toBe("v2");
    expect(s.windows[0]!.transactions).toBe(1);
    // thresholds overridden by configuration: the reference's rates are not the expected ones
    expect(s.expectedRates).toBeUndefined();
    m.observe(model("v0", { reference: undefined }), Float64Array.of(5, 1, 0), 0.1, "approve");
    expect(m.snapshot()).toBeUndefined();
  });

  it("exports the gauges from one snapshot per scrape", async () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const m = new DriftMonitor(() => now, 1);
    const registry = new Registry();
    let reads = 0;
    registerDriftMetrics(registry, () => (reads++, m.snapshot()));
    expect(await registry.metrics()).not.toMatch(/fraud_feature_psi\{/);
    m.observe(model("v1"), Float64Array.of(50, 3, 0), 0.95, "decline");
    await new Promise((r) => setTimeout(r, 1100));
    reads = 0;
    const text = await registry.metrics();
    expect(reads).toBe(1);
    expect(text).toMatch(/fraud_feature_psi\{feature="amount",window="1h"\} [0-9.]+/);
    expect(text).toMatch(/fraud_score_psi\{window="1d"\} [0-9.]+/);
    expect(text).toContain('fraud_decision_rate{decision="decline",window="1h"} 1');
    expect(text).toContain('fraud_decision_rate_expected{decision="decline"} 0.05');
    expect(text).toContain('fraud_drift_window_transactions{window="1d"} 1');
  });
});
