import { describe, expect, it } from "vitest";
import { assertHistogram, binOf, histogramOn, psi, PSI_FLOOR, quantileEdges, referenceHistogram } from "./distribution";

describe("quantile bins", () => {
  it("cuts at the deciles of the values, each edge an observed value", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(quantileEdges(values)).toEqual([11, 21, 31, 41, 51, 61, 71, 81, 91]);
    const h = referenceHistogram(values);
    expect(h.shares).toEqual(new Array(10).fill(0.1));
    expect(h.missing).toBe(0);
  });

  it("gives a flag two bins and counts missing values apart", () => {
    // 25% ones, 50% zeros, 25% missing
    const values = Float64Array.from([1, 0, 0, Number.NaN, 1, 0, 0, Number.NaN]);
    const h = referenceHistogram(values);
    expect(h.edges).toEqual([1]);
    expect(h.shares).toEqual([0.5, 0.25]);
    expect(h.missing).toBe(0.25);
  });

  it("puts a value on an edge in the bin above it, values beyond the ends in the end bins", () => {
    const edges = [1, 5, 10];
    expect([-3, 0.99, 1, 4.9, 5, 10, 1e9].map((v) => binOf(edges, v))).toEqual([0, 0, 1, 1, 2, 3, 3]);
    expect(binOf(edges, Number.NaN)).toBe(-1);
    expect(binOf([], 42)).toBe(0);
  });

  it("rejects a histogram whose shares do not add up", () => {
    expect(() => assertHistogram({ edges: [1], shares: [0.5, 0.2], missing: 0 }, "h")).toThrow(/sum to 0.7/);
    expect(() => assertHistogram({ edges: [2, 1], shares: [0.5, 0.2, 0.3], missing: 0 }, "h")).toThrow(/increasing/);
    expect(() => assertHistogram(histogramOn([1], Float64Array.from([0, 2])), "h")).not.toThrow();
  });
});

describe("population stability index", () => {
  it("matches a hand-computed example", () => {
    // reference: 3 bins 0.5 / 0.3 / 0.2, 0 missing; live counts 40 / 30 / 20, 10 missing (n = 100)
    // (0.4-0.5)ln(0.4/0.5) = 0.0223144; (0.3-0.3)ln1 = 0; (0.2-0.2) = 0;
    // missing: (0.1-0.0001)ln(0.1/0.0001) = 0.0999 x 6.9077553 = 0.6900848
    const ref = { edges: [10, 20], shares: [0.5, 0.3, 0.2], missing: 0 };
    expect(psi(ref, [40, 30, 20, 10])).toBeCloseTo(0.0223144 + 0.6900848, 6);
    // without the missing values: 50/30/20 of 100 is the reference itself
    expect(psi(ref, [50, 30, 20, 0])).toBe(0);
    // a classic shift: 0.25/0.35/0.4 against 0.5/0.3/0.2
    const shifted = (0.25 - 0.5) * Math.log(0.5) + (0.35 - 0.3) * Math.log(0.35 / 0.3) + (0.4 - 0.2) * Math.log(2);
    expect(psi(ref, [25, 35, 40, 0])).toBeCloseTo(shifted, 12);
    expect(shifted).toBeCloseTo(0.173287 + 0.007708 + 0.138629, 5);
  });

  it("is finite on an empty bin, NaN with no counts, and reads counts at an offset", () => {
    const ref = { edges: [1], shares: [0.5, 0.5], missing: 0 };
    const all = psi(ref, [100, 0, 0]);
    expect(all).toBeCloseTo((1 - 0.5) * Math.log(1 / 0.5) + (PSI_FLOOR - 0.5) * Math.log(PSI_FLOOR / 0.5), 12);
    expect(Number.isFinite(all)).toBe(true);
    expect(psi(ref, [0, 0, 0])).toBeNaN();
    expect(psi(ref, [7, 7, 50, 50, 0, 7], 2)).toBe(0);
  });
});
