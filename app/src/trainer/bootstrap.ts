/**
 * First-run model for `npm start`: when the registry has no production model, simulate a small
 * labelled data set in memory (no file), train, register and promote it. Takes a few seconds.
 */
import { featureConfig } from "../features/compute";
import { openRegistry } from "../registry/open";
import { simulateDays } from "../sim/simulator";
import { DatasetBuilder } from "./dataset";
import { DAY_MS } from "./metrics";
import { train } from "./train";

/** Small enough to train in seconds, big enough for a few hundred frauds in the train window. */
export const BOOTSTRAP_SIMULATION = { days: 60, cards: 1000, merchants: 2000, seed: 1 } as const;

export async function bootstrapModel(registryUri: string, log: (msg: string) => void): Promise<string> {
  const registry = openRegistry(registryUri);
  const started = performance.now();
  const builder = new DatasetBuilder();
  for (const day of simulateDays(BOOTSTRAP_SIMULATION)) for (const t of day) builder.add(t);
  const dataset = builder.finish();
  const s = BOOTSTRAP_SIMULATION;
  log(`bootstrap: simulated ${dataset.size} transactions (${s.days} days, ${s.cards} cards, ${s.merchants} merchants, seed ${s.seed})`);
  const result = await train({
    registry,
    dataset,
    sourceName: `bootstrap simulation (${s.days} days, ${s.cards} cards, ${s.merchants} merchants, seed ${s.seed})`,
    // default windows: the last week tests, a week before the 7-day gap trains
    split: {},
    featureConfig: featureConfig({ labelDelayMs: 7 * DAY_MS }),
    booster: { rounds: 60 },
    log: (m) => log(`bootstrap: ${m}`),
  });
  if (!result.promoted) {
    await registry.promote(result.version, `bootstrap: first model (${result.decision.reason})`);
  }
  log(`bootstrap: model ${result.version} is production (${((performance.now() - started) / 1000).toFixed(1)} s, test AUC ${result.metrics.auc.toFixed(3)})`);
  return result.version;
}
