/**
 * First-run model for `npm start`: when the registry has no production model, simulate a small
 * labelled data set in memory (no file), train, register and promote it. Takes a few seconds.
 * Without the XGBoost CLI (a fresh machine), the seed model shipped in the repo is registered and
 * promoted instead, so `npm install && npm start` serves anyway.
 */
import { featureConfig } from "../features/compute";
import { openRegistry } from "../registry/open";
import type { ModelRegistry } from "../registry/registry";
import { simulateDays } from "../sim/simulator";
import { QUICK_TUNING, type TuningConfig } from "./tuning";
import { DatasetBuilder } from "./dataset-builder";
import { DAY_MS } from "./metrics";
import { registerSeedModel } from "./seed";
import { train, type TrainResult } from "./train";
import { findXgboost, type BoosterParams } from "./xgboost";

/** Small enough to train in seconds, big enough for a few hundred frauds in the train window. */
export const BOOTSTRAP_SIMULATION = { days: 60, cards: 1000, merchants: 2000, seed: 1 } as const;

export interface SimulatedTraining {
  readonly registry: ModelRegistry;
  readonly booster: Partial<BoosterParams>;
  /** Default QUICK_TUNING: a first run should not wait for the full search. */
  readonly tuning?: TuningConfig;
  readonly version?: string;
  readonly notes?: readonly string[];
  readonly log: (msg: string) => void;
}

/**
 * BOOTSTRAP_SIMULATION (fixed seed and start date, so the same data every time) trained with the
 * default windows (the last week tests, a week before the 7-day gap trains). Shared by the
 * bootstrap and `npm run seed-model`.
 */
export async function trainOnSimulation(o: SimulatedTraining): Promise<TrainResult> {
  const builder = new DatasetBuilder();
  for (const day of simulateDays(BOOTSTRAP_SIMULATION)) for (const t of day) builder.add(t);
  const dataset = builder.finish();
  const s = BOOTSTRAP_SIMULATION;
  const source = `simulation (${s.days} days, ${s.cards} cards, ${s.merchants} merchants, seed ${s.seed})`;
  o.log(`simulated ${dataset.size} transactions: ${source}`);
  return train({
    registry: o.registry,
    dataset,
    sourceName: source,
    split: {},
    featureConfig: featureConfig({ labelDelayMs: 7 * DAY_MS }),
    booster: o.booster,
    tuning: o.tuning ?? QUICK_TUNING,
    ...(o.version ? { version: o.version } : {}),
    ...(o.notes ? { notes: o.notes } : {}),
    log: o.log,
  });
}

export async function bootstrapModel(registryUri: string, log: (msg: string) => void): Promise<string> {
  const registry = openRegistry(registryUri);
  if (findXgboost() === null) return registerSeedModel(registry, log);
  const started = performance.now();
  const result = await trainOnSimulation({ registry, booster: {}, log: (m) => log(`bootstrap: ${m}`) });
  if (!result.promoted) {
    await registry.promote(result.version, `bootstrap: first model (${result.decision.reason})`);
  }
  log(
    `bootstrap: model ${result.version} is production (${((performance.now() - started) / 1000).toFixed(1)} s, test AUC ${result.metrics.auc.toFixed(3)})`,
  );
  return result.version;
}
