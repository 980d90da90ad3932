import { describe, expect, it } from "vitest";
import { decidePromotion } from "./gate";

const m = (ap: number) => ({ auc: 0.9, averagePrecision: ap, cardPrecisionAt100: 0.3, recallAt1PctFpr: 0.5, rows: 100, frauds: 5 });
const gate = { metric: "averagePrecision", margin: 0.01 } as const;

describe("champion/challenger gate", () => {
  it("promotes the first model", () => {
    expect(decidePromotion(m(0.5), undefined, gate)).toMatchObject({ promote: true, reason: expect.stringMatching(/no production/) });
  });
  it("promotes a challenger within the margin, even slightly worse", () => {
    expect(decidePromotion(m(0.695), { version: "v1", metrics: m(0.7) }, gate).promote).toBe(true);
    expect(decidePromotion(m(0.8), { version: "v1", metrics: m(0.7) }, gate).promote).toBe(true);
  });
  it("keeps production when the challenger is worse by more than the margin, and says why", () => {
    const d = decidePromotion(m(0.68), { version: "v1", metrics: m(0.7) }, gate);
    expect(d.promote).toBe(false);
    expect(d.reason).toMatch(/averagePrecision 0\.6800 vs production v1 0\.7000 \(margin 0\.01\)/);
  });
  it("gates on the configured metric", () => {
    const champion = { version: "v1", metrics: { ...m(0.1), auc: 0.99 } };
    expect(decidePromotion(m(0.9), champion, { metric: "auc", margin: 0 }).promote).toBe(false);
  });
  it("does not promote over an incomparable production model or without a measurable metric", () => {
    expect(decidePromotion(m(0.9), { version: "v1", incomparable: "other features" }, gate).promote).toBe(false);
    expect(decidePromotion(m(Number.NaN), undefined, gate).promote).toBe(false);
  });
});
