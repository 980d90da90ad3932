/**
 * `npm run seed-model`: retrains the seed model shipped in app/models/seed/ (see seed.ts) with the
 * XGBoost CLI. Deterministic: the bootstrap simulation (fixed seed and start date), fixed windows
 * and booster seed, so an unchanged feature set gives the same model and the files are left alone.
 * Run it after any change to the features (a test fails until then).
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalRegistry } from "../registry/local-registry";
import { parseMetadata, serializeMetadata } from "../registry/metadata";
import { trainOnSimulation } from "./bootstrap";
import { readSeedModel, SEED_BOOSTER, SEED_DIR, SEED_FILES, seedVersionName } from "./seed";
import { findXgboost, withTempDir } from "./xgboost";

async function main(): Promise<void> {
  if (findXgboost() === null)
    throw new Error("XGBoost CLI not found: apt-get install -y xgboost (or set XGBOOST_BIN) to regenerate the seed model");
  const log = (m: string): void => void process.stderr.write(`seed-model: ${m}\n`);
  await withTempDir("fraud-seed-", async (tmp) => {
    const registry = new LocalRegistry(join(tmp, "registry"));
    const notes = [
      `Seed model shipped in app/models/seed/ (npm run seed-model): ${SEED_BOOSTER.rounds} rounds of depth ${SEED_BOOSTER.maxDepth} instead of the bootstrap's 60 of depth 6, to keep model.json small in git; served only when the XGBoost CLI is absent.`,
    ];
    const result = await trainOnSimulation({ registry, booster: SEED_BOOSTER, version: "seed-candidate", notes, log });
    const stored = await registry.getModel(result.version);
    const version = seedVersionName(stored.modelJson);
    const current = await readSeedModel().catch(() => null);
    if (current?.version === version) {
      log(`unchanged: ${version} in ${SEED_DIR} already holds this model`);
      return;
    }
    const files: Record<string, string> = {
      "model.json": stored.modelJson,
      "metadata.json": serializeMetadata({ ...parseMetadata(stored.metadata), version }),
      "training.json": new TextDecoder().decode(await registry.getFile(result.version, "training.json")),
    };
    await rm(SEED_DIR, { recursive: true, force: true });
    await mkdir(join(SEED_DIR, version), { recursive: true });
    for (const f of SEED_FILES) await writeFile(join(SEED_DIR, version, f), files[f]!);
    const bytes = SEED_FILES.map((f) => `${f} ${Buffer.byteLength(files[f]!)} B`).join(", ");
    log(
      `wrote ${join(SEED_DIR, version)}: ${bytes}; test AUC ${result.metrics.auc.toFixed(3)}${current ? ` (replaces ${current.version})` : ""}`,
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`seed-model: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
