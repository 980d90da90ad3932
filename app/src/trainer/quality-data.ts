/**
 * The data of `npm run bench:quality`, simulated in memory (no CSV round trip):
 *
 * - "handbook": the Fraud Detection Handbook's data set (HANDBOOK_SIMULATION), labels known
 *   exactly 7 days after each transaction (no report times);
 * - "recency": the same, except that terminal fraud comes from dormant terminals (the simulator's
 *   scenario 4) instead of compromised ones: those frauds show only in a merchant's transactions
 *   of the last 7 days, which the Handbook's delayed terminal windows do not look at.
 */
import { HANDBOOK_SIMULATION, simulateDays, type SimulationOptions } from "../sim/simulator";
import type { Dataset } from "./dataset";
import { DatasetBuilder } from "./dataset-builder";

export const QUALITY_DATA_KINDS = ["handbook", "recency"] as const;
export type QualityDataKind = (typeof QUALITY_DATA_KINDS)[number];

export interface Population {
  readonly days: number;
  readonly cards: number;
  readonly merchants: number;
}

export const HANDBOOK_POPULATION: Population = Object.freeze({
  days: HANDBOOK_SIMULATION.days,
  cards: HANDBOOK_SIMULATION.cards,
  merchants: HANDBOOK_SIMULATION.merchants,
});

/**
 * Dormant terminals a day per 10,000 in the recency data: about 30 frauds a day at the Handbook's
 * size, half of that data's frauds (compromised cards and large amounts make the other half).
 */
const DORMANT_TERMINALS_PER_10K = 10;

/** Simulator options for one kind of data; a smaller population keeps the Handbook's daily fraud rates per card and terminal. */
export function qualitySimulation(kind: QualityDataKind, seed: number, population: Population = HANDBOOK_POPULATION): SimulationOptions {
  const handbook: SimulationOptions = {
    ...HANDBOOK_SIMULATION,
    ...population,
    seed,
    compromisedMerchantsPerDay: (HANDBOOK_SIMULATION.compromisedMerchantsPerDay * population.merchants) / HANDBOOK_SIMULATION.merchants,
    compromisedCardsPerDay: (HANDBOOK_SIMULATION.compromisedCardsPerDay * population.cards) / HANDBOOK_SIMULATION.cards,
  };
  if (kind === "handbook") return handbook;
  return {
    ...handbook,
    compromisedMerchantsPerDay: 0,
    dormantTerminalsPerDay: (DORMANT_TERMINALS_PER_10K * population.merchants) / 10_000,
  };
}

/** The whole simulation as a Dataset, the trainer's input. */
export function simulateDataset(options: SimulationOptions): Dataset {
  const builder = new DatasetBuilder(1 << 20);
  for (const day of simulateDays(options)) for (const t of day) builder.add(t);
  return builder.finish();
}
