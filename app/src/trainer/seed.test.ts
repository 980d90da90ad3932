/**
 * The seed model shipped in app/models/seed/: valid for this build's features (or a failure that
 * says to regenerate it), what bootstrap serves without the XGBoost CLI, and a sane scorer.
 * None of this needs the CLI: it is exactly the case where the CLI is absent.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { featureConfig } from "../features/compute";
import { FEATURE_NAMES } from "../features/types";
import { loadModelVersion, loadProductionModel } from "../registry/load";
import { LocalRegistry } from "../registry/local-registry";
import { simulateDays } from "../sim/simulator";
import { bootstrapModel } from "./bootstrap";
import { DatasetBuilder } from "./dataset-builder";
import { computeMetrics, DAY_MS } from "./metrics";
import { readSeedModel, registerSeedModel, SEED_DIR, SEED_FILES, seedVersionName } from "./seed";
import { resolveSplit } from "./split";
import { scoreRows } from "./train";
import { buildWindows } from "./windows";
import { findXgboost } from "./xgboost";

const tmp = mkdtempSync(join(tmpdir(), "seed-test-"));
let n = 0;
const freshDir = (): string => join(tmp, `r${n++}`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe("the bundled seed model", () => {
  it("is this build's feature set, named by its model's hash, and loads for serving", async () => {
    const seed = await readSeedModel();
    const meta = JSON.parse(String(seed.files["metadata.json"])) as { featureNames: string[]; version: string };
    expect(meta.featureNames, `the seed model in ${SEED_DIR} was trained for other features: run \`npm run seed-model\``).toEqual([
      ...FEATURE_NAMES,
    ]);
    expect(meta.version).toBe(seed.version);
    expect(seed.version, "model.json was edited by hand: run `npm run seed-model`").toBe(seedVersionName(String(seed.files["model.json"])));
    const registry = new LocalRegistry(freshDir());
    await registry.putVersion(seed.version, seed.files);
    const loaded = await loadModelVersion(registry, seed.version);
    expect(loaded.model.numTrees).toBeGreaterThan(0);
  });

  it("stays small in git", async () => {
    const seed = await readSeedModel();
    const bytes = SEED_FILES.reduce((sum, f) => sum + Buffer.byteLength(seed.files[f]!), 0);
    expect(bytes).toBeLessThan(200 * 1024);
  });

  it("is refused with the command to regenerate it when the features changed", async () => {
    const dir = freshDir();
    const seed = await readSeedModel();
    cpSync(SEED_DIR, dir, { recursive: true });
    const metaPath = join(dir, seed.version, "metadata.json");
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { featureNames: string[] };
    meta.featureNames[0] = "amount_renamed";
    writeFileSync(metaPath, JSON.stringify(meta));
    const registry = new LocalRegistry(freshDir());
    await expect(registerSeedModel(registry, () => undefined, dir)).rejects.toThrow(
      /does not match this build's features.*npm run seed-model/,
    );
    expect(await registry.listVersions()).toEqual([]);
  });
});

describe("bootstrap without the XGBoost CLI", () => {
  it("registers and promotes the seed through the registry, once, and says why", async () => {
    vi.stubEnv("XGBOOST_BIN", join(tmp, "no-such-dir", "xgboost"));
    expect(findXgboost()).toBeNull();
    const uri = freshDir();
    const lines: string[] = [];
    const seed = await readSeedModel();
    expect(await bootstrapModel(uri, (m) => lines.push(m))).toBe(seed.version);
    expect(lines).toEqual([
      `XGBoost CLI not found: serving the bundled seed model ${seed.version} (trained by \`npm run seed-model\` on simulated data); install xgboost (apt-get install -y xgboost) to train your own`,
    ]);
    const registry = new LocalRegistry(uri);
    const manifest = await registry.readManifest();
    expect(manifest.production).toBe(seed.version);
    expect(manifest.history.at(-1)?.reason).toMatch(/XGBoost CLI not found.*seed model/);
    expect(await registry.listVersions()).toEqual([seed.version]);
    for (const f of SEED_FILES) expect(new TextDecoder().decode(await registry.getFile(seed.version, f))).toBe(seed.files[f]);
  });

  it("promotes the seed when an earlier run registered it but nothing is production", async () => {
    vi.stubEnv("XGBOOST_BIN", join(tmp, "no-such-dir", "xgboost"));
    const uri = freshDir();
    const registry = new LocalRegistry(uri);
    const seed = await readSeedModel();
    await registry.putVersion(seed.version, seed.files);
    expect(await bootstrapModel(uri, () => undefined)).toBe(seed.version);
    expect((await registry.readManifest()).production).toBe(seed.version);
  });

  it("finds the CLI by name on PATH, as spawn does, and by path", () => {
    const bin = join(tmp, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "xgb-fake"), "#!/bin/sh\n");
    chmodSync(join(bin, "xgb-fake"), 0o755);
    writeFileSync(join(bin, "not-executable"), "");
    expect(findXgboost("xgb-fake", `/nonexistent:${bin}`)).toBe(join(bin, "xgb-fake"));
    expect(findXgboost(join(bin, "xgb-fake"), "")).toBe(join(bin, "xgb-fake"));
    expect(findXgboost("not-executable", bin)).toBeNull();
    expect(findXgboost("xgb-fake", "/nonexistent")).toBeNull();
  });
});

describe("scoring with the seed model", () => {
  it("gives probabilities that rank frauds of unseen simulated data far above genuine ones", async () => {
    const registry = new LocalRegistry(freshDir());
    await registerSeedModel(registry, () => undefined);
    const loaded = await loadProductionModel(registry);
    expect(loaded).not.toBeNull();
    // another seed than the training simulation's: data the model has not seen
    const builder = new DatasetBuilder();
    for (const day of simulateDays({ days: 45, cards: 600, merchants: 1200, seed: 7 })) for (const t of day) builder.add(t);
    const d = builder.finish();
    let last = 0;
    for (let i = 0; i < d.size; i++) last = Math.max(last, d.timestamps[i]!);
    const split = resolveSplit({ delayDays: 7 }, last);
    const { test } = buildWindows(d, split, featureConfig({ labelDelayMs: 7 * DAY_MS }));
    const scores = scoreRows(loaded!.model, test.features);
    expect(test.frauds).toBeGreaterThan(20);
    for (const s of scores) expect(s > 0 && s < 1).toBe(true);
    const { metrics } = computeMetrics(scores, test.labels, test.timestamps, test.cards);
    expect(metrics.auc).toBeGreaterThan(0.85);
    const mean = (fraud: number): number => {
      let sum = 0;
      let count = 0;
      scores.forEach((s, i) => {
        if (test.labels[i] !== fraud) return;
        sum += s;
        count++;
      });
      return sum / count;
    };
    expect(mean(1)).toBeGreaterThan(3 * mean(0));
  });
});
