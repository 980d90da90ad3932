import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "../features/types";
import { describeWithXgboost } from "../testing/services";
import { assertServingFeatures } from "./load";
import { scoreWithReasons, topReasons } from "./reasons";
import { ModelValidationError } from "./xgboost-json";
import { XGBoostModel } from "./xgboost-model";
import { seededRandom } from "../testing/random";

const WIDTH = FEATURE_NAMES.length;

/** Deterministic rows of float32 values with NaNs; the label depends on a few features. */
function rows(n: number, seed: number): { x: number[][]; y: number[] } {
  const rand = seededRandom(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: WIDTH }, (_, j) => (rand() < 0.15 ? NaN : Math.fround((rand() - 0.3) * (j + 1) * 10)));
    const signal = (row[0] || 0) * 0.3 + (Number.isNaN(row[7]) ? 2 : row[7] * 0.1) - (row[3] || 0) * 0.05 + (rand() - 0.5) * 4;
    x.push(row);
    y.push(signal > 2 ? 1 : 0);
  }
  return { x, y };
}

// each value as the float32 it is, to 9 digits (as the trainer writes them): XGBoost's CSV parser
// is not correctly rounded, and a threshold read back from the JSON model as "1.9971257" written
// as "1.99712570" parsed one float32 step below the threshold
const csv = (x: number[][], y: number[]) =>
  x.map((row, i) => [y[i], ...row.map((v) => (Number.isNaN(v) ? "" : Math.fround(v).toPrecision(9)))].join(",")).join("\n") + "\n";

describeWithXgboost("XGBoostModel against the XGBoost CLI", (xgboost) => {
  let dir: string;
  const test = rows(1500, 7);
  /** Per tree method: the model, the rows scored and XGBoost's predictions for them. */
  const trained: Record<string, { model: XGBoostModel; rows: number[][]; expected: number[] }> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "xgb-test-"));
    const train = rows(3000, 3);
    writeFileSync(join(dir, "train.csv"), csv(train.x, train.y));
    for (const method of ["exact", "hist"]) {
      const conf = join(dir, `${method}.conf`);
      writeFileSync(
        conf,
        [
          "booster = gbtree",
          "objective = binary:logistic",
          "eta = 0.3",
          "max_depth = 5",
          "num_round = 30",
          "nthread = 1", // OpenMP threads spin badly on a busy 2-core machine
          `tree_method = ${method}`,
          "base_score = 0.3",
          `data = "${join(dir, "train.csv")}?format=csv&label_column=0"`,
          `model_out = "${join(dir, `${method}.json`)}"`,
        ].join("\n"),
      );
      execFileSync(xgboost, [conf], { stdio: "pipe" });
      const json = readFileSync(join(dir, `${method}.json`), "utf8");
      const model = XGBoostModel.fromJson(json, FEATURE_NAMES);
      // rows that sit exactly on thresholds test "<" against "<="
      const splits = thresholdsOf(json);
      const onSplits = test.x.slice(0, 200).map((row, i) => {
        const copy = [...row];
        const [f, v] = splits[i % splits.length];
        copy[f] = v;
        return copy;
      });
      const all = [...test.x, ...onSplits];
      const labels = all.map(() => 0);
      writeFileSync(join(dir, "test.csv"), csv(all, labels));
      execFileSync(
        xgboost,
        [
          conf,
          "task=pred",
          `model_in=${join(dir, `${method}.json`)}`,
          `test:data=${join(dir, "test.csv")}?format=csv&label_column=0`,
          `name_pred=${join(dir, `${method}.pred`)}`,
        ],
        { stdio: "pipe" },
      );
      const expected = readFileSync(join(dir, `${method}.pred`), "utf8")
        .trim()
        .split("\n")
        .map(Number);
      expect(expected).toHaveLength(all.length);
      trained[method] = { model, rows: all, expected };
    }
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(["exact", "hist"])("predicts every row like XGBoost to 1e-6 (%s trees)", (method) => {
    const { model, rows: all, expected } = trained[method];
    let worst = 0;
    all.forEach((row, i) => {
      const p = model.predict(Float64Array.from(row));
      worst = Math.max(worst, Math.abs(p - expected[i]));
      expect(Math.abs(p - expected[i]), `row ${i}`).toBeLessThanOrEqual(1e-6);
    });
    expect(model.numTrees).toBe(30);
    expect(worst).toBeLessThan(1e-6);
  });

  it("explains a score: contributions plus bias give the margin, top reasons are in words", () => {
    const { model, rows: all } = trained.exact;
    for (const row of all.slice(0, 300)) {
      const x = Float64Array.from(row);
      const e = model.explain(x);
      const sum = e.contributions.reduce((a, b) => a + b, e.bias);
      expect(Math.abs(sum - e.margin)).toBeLessThan(1e-4);
      expect(e.score).toBe(model.predict(x));
    }
    const risky = all.map((r) => Float64Array.from(r)).sort((a, b) => model.predict(b) - model.predict(a))[0];
    const reasons = topReasons(model, risky, 3);
    expect(reasons.length).toBeGreaterThan(0);
    for (let i = 1; i < reasons.length; i++) expect(reasons[i - 1].contribution).toBeGreaterThanOrEqual(reasons[i].contribution);
    for (const r of reasons) expect(r.description.length).toBeGreaterThan(5);
    const importance = model.featureImportance();
    expect(importance.find((f) => f.feature === "amount")!.gain).toBeGreaterThan(0);
  });

  it("scores and explains in one walk: the same score as predict, the same reasons as sorting explain", () => {
    const { model, rows: all } = trained.exact;
    let withReasons = 0;
    for (const row of all.slice(0, 500)) {
      const x = Float64Array.from(row);
      const { contributions } = model.explain(x);
      const expected = Array.from(contributions.keys())
        .filter((i) => contributions[i] > 0)
        .sort((a, b) => contributions[b] - contributions[a])
        .slice(0, 3)
        .map((i) => model.featureNames[i]);
      const got = scoreWithReasons(model, x, 3);
      expect(got.score).toBe(model.predict(x));
      expect(got.reasons.map((r) => r.feature)).toEqual(expected);
      if (expected.length === 3) withReasons++;
    }
    expect(withReasons).toBeGreaterThan(10);
  });
});

/** (feature, threshold) of every split in a model JSON. */
function thresholdsOf(json: string): [number, number][] {
  const trees = JSON.parse(json).learner.gradient_booster.model.trees as {
    left_children: number[];
    split_indices: number[];
    split_conditions: number[];
  }[];
  return trees.flatMap((t) =>
    t.left_children.flatMap((l, i) => (l === -1 ? [] : [[t.split_indices[i], t.split_conditions[i]] as [number, number]])),
  );
}

/** A hand-written model: one tree, root splits feature 0 at 1.5 (missing -> right), leaves -1 / +2. */
function tinyModel(over: Record<string, unknown> = {}, param: Record<string, unknown> = {}) {
  return {
    learner: {
      objective: { name: "binary:logistic" },
      learner_model_param: { base_score: "5E-1", num_feature: "2", num_class: "0", num_target: "1", ...param },
      gradient_booster: {
        name: "gbtree",
        model: {
          gbtree_model_param: { num_trees: "1" },
          trees: [
            {
              tree_param: { num_nodes: "3" },
              left_children: [1, -1, -1],
              right_children: [2, -1, -1],
              split_indices: [0, 0, 0],
              split_conditions: [1.5, -1, 2],
              default_left: [0, 0, 0],
              sum_hessian: [4, 1, 3],
              loss_changes: [5, 0, 0],
              split_type: [0, 0, 0],
              ...over,
            },
          ],
        },
      },
    },
  };
}

describe("XGBoostModel on a hand-written tree", () => {
  const model = XGBoostModel.fromJson(tinyModel(), ["a", "b"]);
  const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

  it("walks splits with float32 '<' and sends missing values to the default side", () => {
    expect(model.predict(Float64Array.of(1.4, 0))).toBe(sigmoid(-1));
    expect(model.predict(Float64Array.of(1.5, 0))).toBe(sigmoid(2));
    // 1.49999999 rounds to 1.5 in float32: not below the threshold, exactly as XGBoost reads it
    expect(model.predict(Float64Array.of(1.49999999, 0))).toBe(sigmoid(2));
    expect(model.predict(Float64Array.of(NaN, 0))).toBe(sigmoid(2));
  });

  it("attributes the path to the split feature from cover-weighted means", () => {
    // root mean = (1 * -1 + 3 * 2) / 4 = 1.25; going left changes it by -2.25
    const e = model.explain(Float64Array.of(0, 0));
    expect(e.bias).toBeCloseTo(1.25, 12);
    expect(Array.from(e.contributions)).toEqual([-2.25, 0]);
    expect(e.margin).toBe(-1);
  });

  it("refuses a model that does not fit, with the reason", () => {
    const bad =
      (json: unknown, names = ["a", "b"]) =>
      () =>
        XGBoostModel.fromJson(json, names);
    expect(bad(tinyModel(), ["a"])).toThrow(/model has 2 features, metadata lists 1/);
    expect(bad({ ...tinyModel(), learner: { ...tinyModel().learner, objective: { name: "reg:squarederror" } } })).toThrow(
      /binary:logistic/,
    );
    expect(bad(tinyModel({ left_children: [1, -1] }))).toThrow(/left_children: expected an array of 3 numbers/);
    expect(bad(tinyModel({ left_children: [0, -1, -1] }))).toThrow(/node 0 has an invalid child 0/);
    expect(bad(tinyModel({ split_indices: [5, 0, 0] }))).toThrow(/splits on feature 5, the model has 2/);
    expect(bad(tinyModel({ split_type: [1, 0, 0] }))).toThrow(/categorical/);
    expect(bad(tinyModel({}, { base_score: "1" }))).toThrow(/base_score/);
    expect(bad("{not json")).toThrow(ModelValidationError);
    expect(() => model.predict(Float64Array.of(1))).toThrow(/expected 2 features, got 1/);
  });

  it("serves only models trained on this build's feature set and features, in order", () => {
    const ok = { featureNames: FEATURE_NAMES, featureSetVersion: FEATURE_SET_VERSION };
    expect(() => assertServingFeatures(ok)).not.toThrow();
    expect(() => assertServingFeatures({ ...ok, featureNames: [...FEATURE_NAMES].reverse() })).toThrow(
      /model feature 0 is "is_weekend" but this build computes "amount"/,
    );
    expect(() => assertServingFeatures({ ...ok, featureNames: FEATURE_NAMES.slice(0, 3) })).toThrow(/model feature 3 is null/);
    // same names, other definitions: refused
    expect(() => assertServingFeatures({ ...ok, featureSetVersion: "2" })).toThrow(
      /trained for feature set "2" but this build computes feature set "3": retrain it/,
    );
    expect(() => assertServingFeatures({ featureNames: FEATURE_NAMES })).toThrow(/none recorded/);
  });
});
