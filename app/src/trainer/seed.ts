/**
 * The seed model shipped in the repo (app/models/seed/<version>/): what a fresh machine without
 * the XGBoost CLI serves, so `npm install && npm start` works anywhere Node runs. It is produced by
 * our own trainer on the bootstrap simulation (`npm run seed-model`, seed-model.ts) and registered
 * through the registry API like any trained version.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { assertServingFeatures } from "../model/load";
import { VersionExistsError, type ModelRegistry, type VersionFiles } from "../registry/registry";

export const SEED_DIR = resolve(__dirname, "../../models/seed");
/** The registry files a seed version keeps (the HTML report is left out to keep the repo small). */
export const SEED_FILES = ["model.json", "metadata.json", "training.json"] as const;
export const REGENERATE = "run `npm run seed-model` to regenerate it";

/** Fewer, shallower trees than the bootstrap's 60 x depth 6: model.json stays small in git. */
export const SEED_BOOSTER = { rounds: 30, maxDepth: 4 } as const;

/** Named by its model's hash: a regenerated seed never collides with one already registered. */
export function seedVersionName(modelJson: string): string {
  return `seed-${createHash("sha256").update(modelJson).digest("hex").slice(0, 12)}`;
}

export interface SeedModel {
  readonly version: string;
  readonly files: VersionFiles;
}

/** The one version under `dir`. */
export async function readSeedModel(dir = SEED_DIR): Promise<SeedModel> {
  const versions = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  if (versions.length !== 1)
    throw new Error(`${dir} must hold exactly one seed model version, found ${versions.length} (${versions.join(", ")}): ${REGENERATE}`);
  const version = versions[0]!;
  const files: Record<string, string> = {};
  for (const f of SEED_FILES) files[f] = await readFile(join(dir, version, f), "utf8");
  return { version, files };
}

/** Registers (once: versions are immutable and named by their model's hash) and promotes the seed. */
export async function registerSeedModel(registry: ModelRegistry, log: (msg: string) => void, dir = SEED_DIR): Promise<string> {
  const seed = await readSeedModel(dir);
  const metadata = JSON.parse(String(seed.files["metadata.json"])) as { featureNames: string[]; featureSetVersion?: string };
  try {
    assertServingFeatures(metadata);
  } catch (err) {
    throw new Error(
      `the bundled seed model ${seed.version} does not match this build's features (${(err as Error).message}): ${REGENERATE}`,
      { cause: err },
    );
  }
  try {
    await registry.putVersion(seed.version, seed.files);
  } catch (err) {
    // an earlier start registered it (and it was rolled back since): the same files
    if (!(err instanceof VersionExistsError)) throw err;
  }
  await registry.promote(
    seed.version,
    "bootstrap: XGBoost CLI not found, so the bundled seed model (npm run seed-model, simulated data) was promoted instead of training one",
  );
  log(
    `XGBoost CLI not found: serving the bundled seed model ${seed.version} (trained by \`npm run seed-model\` on simulated data); install xgboost (apt-get install -y xgboost) to train your own`,
  );
  return seed.version;
}
