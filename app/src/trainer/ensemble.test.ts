import { describe, expect, it } from "vitest";
import { XGBoostModel } from "../model/xgboost-model";
import { averageBoosters } from "./ensemble";
import { DEFAULT_BOOSTER_PARAMS, predictBooster, trainBooster } from "./xgboost";

// rows where the label depends on two features non-linearly, so boosters of different depth differ
function data(n: number, seed: number): { features: Float64Array; labels: Uint8Array } {
  let s = seed;
  const rand = (): number => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const features = new Float64Array(n * 3);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [rand(), rand(), rand()];
    features.set([a, b, i % 7 === 0 ? Number.NaN : c], i * 3);
    labels[i] = a * b + 0.2 * rand() > 0.45 ? 1 : 0;
  }
  return { features, labels };
}

const names = ["a", "b", "c"];

describe("averageBoosters", () => {
  it("scores the mean of the members' margins, in TypeScript and in XGBoost's CLI alike", async () => {
    const train = data(3000, 1);
    const test = data(500, 2);
    const params = { ...DEFAULT_BOOSTER_PARAMS, scalePosWeight: 1 };
    const members = [
      (await trainBooster(train.features, 3, train.labels, { ...params, rounds: 20, maxDepth: 2, eta: 0.3 })).modelJson,
      (await trainBooster(train.features, 3, train.labels, { ...params, rounds: 35, maxDepth: 5, eta: 0.1 })).modelJson,
    ];
    const averaged = averageBoosters(members);
    const mean = XGBoostModel.fromJson(averaged, names);
    const single = members.map((m) => XGBoostModel.fromJson(m, names));
    const cli = await predictBooster(averaged, test.features, 3);
    let differs = 0;
    for (let i = 0; i < 500; i++) {
      const x = test.features.subarray(i * 3, i * 3 + 3);
      const expected = (single[0]!.margin(x) + single[1]!.margin(x)) / 2;
      expect(mean.margin(x)).toBeCloseTo(expected, 5);
      expect(Math.abs(mean.predict(x) - cli[i]!)).toBeLessThanOrEqual(1e-6);
      if (Math.abs(single[0]!.margin(x) - single[1]!.margin(x)) > 1e-3) differs++;
    }
    expect(differs).toBeGreaterThan(100); // the members disagree, so the mean is not one of them
    expect(JSON.parse(averaged).learner.gradient_booster.model.trees).toHaveLength(55);
    // three CLI runs (two fits, one prediction): seconds on a loaded machine, past the 5 s default
  }, 30_000);

  it("returns one member unchanged, and refuses members of different shapes", async () => {
    const train = data(500, 3);
    const json = (await trainBooster(train.features, 3, train.labels, { ...DEFAULT_BOOSTER_PARAMS, scalePosWeight: 1, rounds: 3 }))
      .modelJson;
    expect(averageBoosters([json])).toBe(json);
    const other = JSON.parse(json);
    other.learner.learner_model_param.base_score = "2.5E-1";
    expect(() => averageBoosters([json, JSON.stringify(other)])).toThrow(/base_score/);
    expect(() => averageBoosters([])).toThrow(/no boosters/);
  });
});
