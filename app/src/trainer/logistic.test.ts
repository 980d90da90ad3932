import { describe, expect, it } from "vitest";
import { Prng } from "../sim/prng";
import { choleskySolve, fitLogistic, predictLogistic } from "./logistic";

describe("logistic-regression baseline", () => {
  it("recovers the coefficients of a known logistic model (standardised features)", () => {
    const rng = new Prng(7);
    const n = 20_000;
    const x = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i * 2] = rng.normal(0, 1);
      x[i * 2 + 1] = rng.normal(5, 2); // standardised: (v - 5) / 2
      const z = -1 + 2 * x[i * 2]! - 0.5 * ((x[i * 2 + 1]! - 5) / 2);
      y[i] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    }
    const m = fitLogistic(x, y, ["a", "b"], { l2: 0 });
    expect(m.weights[0]).toBeCloseTo(-1, 1);
    expect(m.weights[1]).toBeCloseTo(2, 1);
    expect(m.weights[2]).toBeCloseTo(-0.5, 1);
    expect(m.indicatorFeatures).toEqual([]);
  });

  it("imputes missing values with an indicator column that can carry the signal", () => {
    const n = 400;
    const x = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i % 4 === 0 ? Number.NaN : (i % 7) / 7;
      y[i] = i % 4 === 0 && i % 8 === 0 ? 1 : 0; // frauds only among missing values
    }
    const m = fitLogistic(x, y, ["f"]);
    expect(m.indicatorFeatures).toEqual([0]);
    const p = predictLogistic(m, Float64Array.from([Number.NaN, 0.5]));
    expect(p[0]).toBeGreaterThan(0.3);
    expect(p[1]).toBeLessThan(0.05);
  });

  it("solves a symmetric positive definite system", () => {
    const a = Float64Array.from([4, 2, 2, 3]);
    const x = choleskySolve(a, Float64Array.from([2, 1]), 2);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });
});
