/**
 * The trainer end to end on a tiny simulated data set, through the CLI entry point: simulate,
 * train (promoted), train again behind a gate it cannot pass (registered, not promoted), evaluate
 * --json, promote, rollback; plus the TypeScript predictor against XGBoost's own predictions.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { FEATURE_COUNT, featureConfig } from "../features/compute";
import { FEATURE_NAMES, FEATURE_SET_VERSION } from "../features/types";
import { XGBoostModel } from "../model/xgboost-model";
import { parseMetadata } from "../registry/metadata";
import { describeWithXgboost } from "../testing/services";
import { loadCsv } from "./csv-reader";
import { main } from "./main";
import { DAY_MS } from "./metrics";
import { resolveSplit } from "./split";
import { scoreRows } from "./train";
import { buildWindows } from "./windows";
import { predictBooster } from "./xgboost";

describeWithXgboost("trainer CLI end to end", () => {
  const dir = mkdtempSync(join(tmpdir(), "trainer-cli-"));
  const data = join(dir, "data.csv");
  const registry = join(dir, "registry");
  const dates = [
    "--train-start",
    "2018-05-01",
    "--train-end",
    "2018-05-14",
    "--delay-days",
    "7",
    "--test-start",
    "2018-05-22",
    "--test-end",
    "2018-05-31",
  ];

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
    try {
      return { code: await main(args), out, err };
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  }

  beforeAll(async () => {
    const r = await cli("simulate", "--days", "61", "--cards", "600", "--merchants", "1200", "--seed", "5", "--out", data);
    expect(r.code, r.err).toBe(0);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("trains, registers and promotes the first model; layout and manifest as documented", async () => {
    const r = await cli(
      "train",
      "--data",
      data,
      "--registry",
      registry,
      ...dates,
      "--tuning",
      "quick",
      "--rounds",
      "30",
      "--version",
      "v1",
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out);
    expect(out).toMatchObject({ version: "v1", promoted: true });
    expect(out.metrics.auc).toBeGreaterThan(0.8);
    expect(out.baselineMetrics.auc).toBeGreaterThan(0.5);
    const v1 = join(registry, "models", "v1");
    expect(readdirSync(v1).sort()).toEqual(["metadata.json", "model.json", "report", "training.json"]);
    expect(readdirSync(join(v1, "report")).sort()).toEqual([
      "feature-importance.svg",
      "index.html",
      "precision-recall.svg",
      "roc.svg",
      "score-distribution.svg",
    ]);
    const meta = parseMetadata(readFileSync(join(v1, "metadata.json"), "utf8"), "v1");
    expect(meta.featureNames).toEqual([...FEATURE_NAMES]);
    expect(meta.dataWindow).toEqual({ trainStart: "2018-05-01", trainEnd: "2018-05-14", testStart: "2018-05-22", testEnd: "2018-05-31" });
    expect(meta.labelDelayDays).toBe(7);
    expect(meta.thresholds.review).toBeLessThanOrEqual(meta.thresholds.decline);
    // the drift monitor's reference: every feature binned on the training window, the score on the test window
    const ref = meta.reference!;
    expect(Object.keys(ref.features)).toEqual([...FEATURE_NAMES]);
    expect(ref.features.amount!.shares).toHaveLength(10);
    expect(ref.features.is_night!.edges).toEqual([1]);
    expect(ref.featureRows).toBeGreaterThan(ref.scoreRows);
    expect(ref.scoreRows).toBe(meta.metrics.rows);
    expect(ref.rates.decline).toBeGreaterThan(0);
    expect(ref.rates.review + ref.rates.decline).toBeLessThan(0.2);
    const training = JSON.parse(readFileSync(join(v1, "training.json"), "utf8"));
    // the quick search: one candidate, rounds chosen on the last 2 train days, then fixed by --rounds
    expect(training.boosters).toHaveLength(1);
    expect(training.boosters[0]).toMatchObject({ rounds: 30, maxDepth: 6, eta: 0.1, scalePosWeight: 1 });
    expect(training.tuning.trials.map((t: { rounds: number }) => t.rounds)).toEqual([25, 50, 75, 100]);
    expect(training.tuning.validationRows).toBeGreaterThan(0);
    expect(meta.featureSetVersion).toBe(FEATURE_SET_VERSION);
    const manifest = JSON.parse(readFileSync(join(registry, "manifest.json"), "utf8"));
    expect(manifest.production).toBe("v1");
    expect(readdirSync(registry).filter((n) => n.includes("tmp"))).toEqual([]); // manifest written atomically, no leftovers
  }, 60_000);

  it("scores the test window in TypeScript exactly as the XGBoost CLI does (1e-6)", async () => {
    const model = readFileSync(join(registry, "models", "v1", "model.json"), "utf8");
    const { dataset } = await loadCsv(data);
    const split = resolveSplit(
      { trainStart: "2018-05-01", trainEnd: "2018-05-14", testStart: "2018-05-22", testEnd: "2018-05-31", delayDays: 7 },
      0,
    );
    const { test } = buildWindows(dataset, split, featureConfig({ labelDelayMs: 7 * DAY_MS }));
    expect(test.size).toBeGreaterThan(1000);
    const ts = scoreRows(XGBoostModel.fromJson(model, FEATURE_NAMES), test.features);
    const cli = await predictBooster(model, test.features, FEATURE_COUNT);
    let max = 0;
    for (let i = 0; i < ts.length; i++) max = Math.max(max, Math.abs(ts[i]! - cli[i]!));
    expect(max).toBeLessThanOrEqual(1e-6);
  }, 30_000);

  it("registers but does not promote a challenger that fails the gate, and says why", async () => {
    // a margin of -1 demands the challenger beat production by 1.0 average precision: impossible
    const r = await cli(
      "train",
      "--data",
      data,
      "--registry",
      registry,
      ...dates,
      "--tuning",
      "quick",
      "--rounds",
      "10",
      "--version",
      "v2",
      "--gate-margin=-1",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /registered, NOT promoted \(challenger worse than production by more than the margin: averagePrecision .* vs production v1/,
    );
    expect(r.out).toMatch(/production/); // the champion's metrics are in the table
    expect(r.out).toContain(`report: ${join(registry, "models", "v2", "report", "index.html")}\n`);
    expect(existsSync(join(registry, "models", "v2", "report", "index.html"))).toBe(true);
    expect(JSON.parse(readFileSync(join(registry, "manifest.json"), "utf8")).production).toBe("v1");
    expect(existsSync(join(registry, "models", "v2", "metadata.json"))).toBe(true);
  }, 60_000);

  it("keeps versions immutable", async () => {
    const r = await cli("train", "--data", data, "--registry", registry, ...dates, "--tuning", "quick", "--rounds", "5", "--version", "v1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/already exists/);
  }, 60_000);

  it("evaluate --json prints exactly the metrics object and writes the report", async () => {
    const reportDir = join(dir, "report-v1");
    const r = await cli(
      "evaluate",
      "--registry",
      registry,
      "--model",
      "v1",
      "--data",
      data,
      "--test-start",
      "2018-05-22",
      "--test-end",
      "2018-05-31",
      "--json",
      "--report-dir",
      reportDir,
    );
    expect(r.code, r.err).toBe(0);
    const m = JSON.parse(r.out);
    expect(Object.keys(m)).toEqual(["auc", "averagePrecision", "cardPrecisionAt100", "recallAt1PctFpr", "rows", "frauds"]);
    const meta = parseMetadata(readFileSync(join(registry, "models", "v1", "metadata.json"), "utf8"));
    expect(m.auc).toBeCloseTo(meta.metrics.auc, 12); // same window, same features, same predictor
    expect(m.rows).toBe(meta.metrics.rows);
    expect(existsSync(join(reportDir, "index.html"))).toBe(true);
  }, 60_000);

  it("promotes by hand and rolls back; promoting the production version is a no-op that says so", async () => {
    const manifest = () => JSON.parse(readFileSync(join(registry, "manifest.json"), "utf8"));
    const before = manifest();
    expect(before.production).toBe("v1");
    expect((await cli("promote", "--registry", registry, "--model", "v1")).out).toBe(
      "production: v1 (already production; nothing changed)\n",
    );
    expect(manifest()).toEqual(before);
    expect((await cli("promote", "--registry", registry, "--model", "v2")).out).toBe("production: v2\n");
    expect((await cli("rollback", "--registry", registry)).out).toBe("production: v1\n");
    const r = await cli("promote", "--registry", registry, "--model", "nope");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not found/);
  });

  it("sets a challenger in shadow or A/B, clears it, and promoting it clears it; each change in the history", async () => {
    const manifest = () => JSON.parse(readFileSync(join(registry, "manifest.json"), "utf8"));
    expect(manifest().production).toBe("v1");
    const set = (...args: string[]) => cli("challenger", "--registry", registry, ...args);
    expect((await set("--model", "v2", "--mode", "shadow")).out).toBe("challenger: v2 (shadow) (production: v1)\n");
    expect((await set("--model", "v2", "--mode", "ab", "--share", "0.1")).out).toBe(
      "challenger: v2 (ab, answers for 10% of cards) (production: v1)\n",
    );
    expect(manifest().challenger).toEqual({ version: "v2", mode: "ab", share: 0.1 });
    const refused = await set("--model", "v2", "--mode", "ab", "--share", "2");
    expect([refused.code, refused.err]).toEqual([1, expect.stringMatching(/--share must be in \(0, 1\)/)]);
    expect((await set("--model", "v1", "--mode", "shadow")).err).toMatch(/its own challenger/);
    expect((await set("--clear")).out).toBe("challenger: none\n");
    expect(manifest().challenger).toBeUndefined();
    await set("--model", "v2", "--mode", "shadow");
    expect((await cli("promote", "--registry", registry, "--model", "v2")).out).toBe("production: v2\nchallenger: none (v2 promoted)\n");
    expect(
      manifest()
        .history.slice(-6)
        .map((e: { action: string }) => e.action),
    ).toEqual(["challenger", "challenger", "clear-challenger", "challenger", "promote", "clear-challenger"]);
    expect((await cli("rollback", "--registry", registry)).out).toBe("production: v1\n");
  });

  it("refuses a test window inside the label-delay gap and unknown flags", async () => {
    const r = await cli(
      "train",
      "--data",
      data,
      "--registry",
      registry,
      "--train-start",
      "2018-05-01",
      "--train-end",
      "2018-05-14",
      "--test-start",
      "2018-05-18",
      "--tuning",
      "quick",
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/label delay/);
    expect((await cli("train", "--bogus")).code).toBe(2);
  });
});
