import { describe, expect, it } from "vitest";
import { FEATURE_NAMES } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { testMetadata, testModelJson } from "../testing/model-fixtures";
import { cardBucket, scoreBoth, servedByChallenger } from "./challenger";
import { PreparedModel } from "./model-holder";

const model = (version: string, leaf: number) =>
  new PreparedModel(
    {
      version,
      metadata: testMetadata(version),
      model: XGBoostModel.fromJson(testModelJson({ low: leaf, mid: leaf, high: leaf }), FEATURE_NAMES),
    },
    {},
  );
const champion = model("v1", -3);
const challengerModel = model("v2", 3);
const features = new Float64Array(FEATURE_NAMES.length).fill(Number.NaN);

describe("challenger scoring", () => {
  it("buckets cards uniformly and stably", () => {
    const n = 20_000;
    let below = 0;
    for (let i = 0; i < n; i++) if (cardBucket(`card-${i}`) < 0.1) below++;
    // 3 standard deviations of a binomial(20000, 0.1): 0.0064
    expect(Math.abs(below / n - 0.1)).toBeLessThan(0.0064);
    expect(cardBucket("card-42")).toBe(cardBucket("card-42"));
    // FNV-1a("a") = 0xe40c292c, finalised (checked by hand in Python): a changed hash would move cards between arms
    expect(cardBucket("a")).toBe(0x1a80b1b3 / 2 ** 32);
  });

  it("in shadow, answers with the champion and records both", () => {
    const s = scoreBoth(champion, { model: challengerModel, mode: "shadow", share: 0 }, "card-1", features);
    expect(s.served).toBe(champion);
    expect(s.score).toBeCloseTo(1 / (1 + Math.exp(3)), 12);
    expect(s.decision).toBe("approve");
    expect(s.challenger).toEqual({
      mode: "shadow",
      championVersion: "v1",
      championScore: s.score,
      championDecision: "approve",
      challengerVersion: "v2",
      challengerScore: expect.closeTo(1 / (1 + Math.exp(-3)), 12),
      challengerDecision: "decline",
    });
  });

  it("in A/B, the challenger answers for the cards in its share, the champion for the others, both recorded", () => {
    const ab = { model: challengerModel, mode: "ab" as const, share: 0.5 };
    const cards = Array.from({ length: 200 }, (_, i) => `c${i}`);
    const toChallenger = cards.filter((c) => servedByChallenger(ab, c));
    expect(toChallenger.length).toBeGreaterThan(60);
    expect(toChallenger.length).toBeLessThan(140);
    for (const card of cards) {
      const s = scoreBoth(champion, ab, card, features);
      const mine = toChallenger.includes(card);
      expect(s.served.version).toBe(mine ? "v2" : "v1");
      expect(s.decision).toBe(mine ? "decline" : "approve");
      expect([s.challenger!.championDecision, s.challenger!.challengerDecision]).toEqual(["approve", "decline"]);
      // drift monitoring follows the production model, whoever answered
      expect(s.championDecision).toBe("approve");
    }
  });

  it("without a challenger, scores with the champion alone", () => {
    const s = scoreBoth(champion, undefined, "card-1", features);
    expect(s.challenger).toBeUndefined();
    expect(s.served).toBe(champion);
  });
});
