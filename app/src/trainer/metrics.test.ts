import { describe, expect, it } from "vitest";
import { averagePrecision, cardPrecisionAtK, computeMetrics, curves, recallAtFpr, rocAuc, thresholdAtFpr } from "./metrics";

describe("metrics on known vectors", () => {
  // 4 positives, 6 negatives. Ranked: P N P P N N P N N N
  const scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.1];
  const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0, 0];

  it("AUC equals the hand-counted share of correctly ordered (fraud, genuine) pairs", () => {
    // pairs (p, n) with p above n: P@.95 beats 6, P@.85 beats 5, P@.8 beats 5, P@.55 beats 3 = 19 of 24
    expect(rocAuc(curves(scores, labels))).toBeCloseTo(19 / 24, 12);
  });

  it("AUC counts ties as one half", () => {
    expect(rocAuc(curves([0.5, 0.5], [1, 0]))).toBeCloseTo(0.5, 12);
    expect(rocAuc(curves([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]))).toBeCloseTo((2 + 1 + 0.5) / 4, 12);
  });

  it("average precision is the mean of precision at each fraud's rank", () => {
    // precisions at the positives' ranks: 1/1, 2/3, 3/4, 4/7
    expect(averagePrecision(curves(scores, labels))).toBeCloseTo((1 + 2 / 3 + 3 / 4 + 4 / 7) / 4, 12);
  });

  it("average precision groups tied scores into one threshold", () => {
    // one threshold holding 1 fraud and 1 genuine: precision 1/2 at recall 1
    expect(averagePrecision(curves([0.5, 0.5], [1, 0]))).toBeCloseTo(0.5, 12);
  });

  it("recall at 1% FPR takes the best recall whose FPR stays under the limit", () => {
    const c = curves(scores, labels);
    expect(recallAtFpr(c, 0.01)).toBeCloseTo(0.25, 12); // before the first genuine: 1 of 4 frauds
    expect(recallAtFpr(c, 1 / 6)).toBeCloseTo(0.75, 12); // one genuine allowed: 3 of 4
    expect(thresholdAtFpr(c, 1 / 6)).toBe(0.8);
  });

  it("card precision@k per day: a card's max score that day, frauded if any of its transactions is", () => {
    const day = [0, 0, 0, 0, 1, 1, 1];
    const card = [1, 1, 2, 3, 1, 2, 3];
    const s = [0.9, 0.1, 0.8, 0.7, 0.2, 0.9, 0.8];
    const y = [0, 1, 0, 1, 0, 0, 1];
    // day 0: top-2 cards = 1 (0.9, has a fraud), 2 (0.8) -> 1/2; day 1: top-2 = 2, 3 (fraud) -> 1/2
    expect(cardPrecisionAtK(s, y, day, card, 2)).toBeCloseTo(0.5, 12);
    // k larger than the cards of a day still divides by k (investigators' capacity)
    expect(cardPrecisionAtK(s, y, day, card, 4)).toBeCloseTo((2 / 4 + 1 / 4) / 2, 12);
  });

  it("computeMetrics reports rows and frauds, and a perfect ranking scores 1", () => {
    const ts = scores.map(() => Date.UTC(2018, 7, 8));
    const { metrics } = computeMetrics([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], ts.slice(0, 4), [1, 2, 3, 4]);
    expect(metrics).toMatchObject({ auc: 1, averagePrecision: 1, recallAt1PctFpr: 1, rows: 4, frauds: 2 });
    expect(metrics.cardPrecisionAt100).toBeCloseTo(2 / 100, 12);
  });

  it("refuses NaN scores and mismatched lengths", () => {
    expect(() => curves([Number.NaN], [1])).toThrow(/NaN/);
    expect(() => curves([0.1, 0.2], [1])).toThrow(/labels/);
  });
});
