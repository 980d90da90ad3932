/**
 * One run of the quality benchmark: simulate a data set, then, on the same train and test rows,
 * (a) our trainer as `npm run train` runs it and (b, c) the Handbook's two reference models on the
 * Handbook's features. Handbook protocol: train a week, leave the 7-day label delay as a gap, test
 * the following week, every labelled fraud known 7 days after its transaction. Unlike the book,
 * which drops test transactions of cards already known to be compromised, every test transaction
 * is scored, as our trainer scores them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { featureConfig } from "../features/compute";
import { LocalRegistry } from "../registry/local-registry";
import { DEFAULT_START_DATE } from "../sim/simulator";
import type { EvaluationMetrics } from "../registry/metadata";
import { eventOrder, type Dataset } from "./dataset";
import {
  HANDBOOK_DELAY_DAYS,
  HANDBOOK_FEATURE_COUNT,
  handbookFeatures,
  referenceLogisticScores,
  referenceXgboostScores,
  type HandbookRows,
} from "./handbook-baseline";
import { computeMetrics, DAY_MS } from "./metrics";
import { HANDBOOK_POPULATION, qualitySimulation, simulateDataset, type Population, type QualityDataKind } from "./quality-data";
import { describeSplit, resolveSplit, windowOf, type SplitArgs, type TimeSplit } from "./split";
import { DEFAULT_TUNING, type TuningConfig } from "./tuning";
import { train, type TrainResult } from "./train";

/** Inclusive UTC days, as on the trainer's command line. */
export type WindowDates = Required<Omit<SplitArgs, "delayDays">>;

/** The Handbook's windows: train 2018-07-25..31, 7-day gap, test 2018-08-08..14. */
export const HANDBOOK_WINDOWS: WindowDates = Object.freeze({
  trainStart: "2018-07-25",
  trainEnd: "2018-07-31",
  testStart: "2018-08-08",
  testEnd: "2018-08-14",
});

export interface QualityOptions {
  readonly data: QualityDataKind;
  readonly seed: number;
  /** Default: the Handbook's (183 days, 5,000 cards, 10,000 terminals). */
  readonly population?: Population;
  /** Default: HANDBOOK_WINDOWS. */
  readonly windows?: WindowDates;
  /** The trainer's search. Default DEFAULT_TUNING, what `npm run train` uses; tests pass QUICK_TUNING. */
  readonly tuning?: TuningConfig;
  /** Progress messages (the benchmark sends them to stderr). */
  readonly log?: (msg: string) => void;
}

export interface ModelQuality {
  readonly model: string;
  readonly auc: number;
  readonly averagePrecision: number;
  readonly cardPrecisionAt100: number;
  /** Wall time to fit and score, seconds; undefined for a model fitted within another's time. */
  readonly seconds?: number;
}

export interface RowCounts {
  readonly rows: number;
  readonly frauds: number;
}

export interface QualityRun {
  readonly data: QualityDataKind;
  readonly seed: number;
  readonly population: Population;
  readonly startDate: string;
  readonly transactions: number;
  readonly frauds: number;
  /** The windows, as the trainer describes them. */
  readonly windows: string;
  readonly train: RowCounts;
  readonly test: RowCounts;
  readonly models: readonly ModelQuality[];
  /** Wall times, seconds, of the parts that are not a model's. */
  readonly seconds: { readonly simulate: number; readonly handbookFeatures: number };
  /** Our trainer's own split of its time (feature pass; XGBoost training). */
  readonly trainerSeconds: { readonly features: number; readonly xgboost: number };
}

/** Handbook feature rows of one window, in event order, with what the metrics need. */
interface WindowRows extends HandbookRows {
  readonly timestamps: Float64Array;
  readonly cards: Int32Array;
}

function selectWindow(d: Dataset, order: Uint32Array, features: Float64Array, split: TimeSplit, which: 1 | 2): WindowRows {
  const picked = [...order].filter((i) => windowOf(split, d.timestamps[i]!) === which);
  const out = new Float64Array(picked.length * HANDBOOK_FEATURE_COUNT);
  picked.forEach((i, k) =>
    out.set(features.subarray(i * HANDBOOK_FEATURE_COUNT, (i + 1) * HANDBOOK_FEATURE_COUNT), k * HANDBOOK_FEATURE_COUNT),
  );
  return {
    features: out,
    labels: Uint8Array.from(picked, (i) => d.labels[i]!),
    timestamps: Float64Array.from(picked, (i) => d.timestamps[i]!),
    cards: Int32Array.from(picked, (i) => d.cards[i]!),
  };
}

function fraudCount(labels: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < labels.length; i++) n += labels[i]!;
  return n;
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

function quality(model: string, m: EvaluationMetrics, seconds?: number): ModelQuality {
  return {
    model,
    auc: m.auc,
    averagePrecision: m.averagePrecision,
    cardPrecisionAt100: m.cardPrecisionAt100,
    ...(seconds === undefined ? {} : { seconds }),
  };
}

/** `train()` as `npm run train` runs it, into a throwaway registry, with the Handbook's label delay. */
async function runTrainer(dataset: Dataset, windows: WindowDates, tuning: TuningConfig, log: (msg: string) => void): Promise<TrainResult> {
  const dir = await mkdtemp(join(tmpdir(), "bench-quality-"));
  try {
    return await train({
      registry: new LocalRegistry(join(dir, "registry")),
      dataset,
      sourceName: "simulated in memory (bench:quality)",
      split: windows,
      featureConfig: featureConfig({ labelDelayMs: HANDBOOK_DELAY_DAYS * DAY_MS }),
      tuning,
      log: (msg) => log(`trainer: ${msg}`),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The references must see exactly the trainer's rows, or the comparison means nothing: same
 * windows, same row and fraud counts (simulated data has no duplicate ids for the trainer to drop).
 */
function assertSameRows(ours: TrainResult, split: TimeSplit, train: RowCounts, test: RowCounts): void {
  const problems: string[] = [];
  if (describeSplit(ours.split) !== describeSplit(split)) problems.push(`windows ${describeSplit(ours.split)} vs ${describeSplit(split)}`);
  if (ours.trainRows !== train.rows || ours.trainFrauds !== train.frauds) {
    problems.push(`train ${ours.trainRows} rows (${ours.trainFrauds} frauds) vs ${train.rows} (${train.frauds})`);
  }
  if (ours.metrics.rows !== test.rows || ours.metrics.frauds !== test.frauds) {
    problems.push(`test ${ours.metrics.rows} rows (${ours.metrics.frauds} frauds) vs ${test.rows} (${test.frauds})`);
  }
  if (problems.length > 0) throw new Error(`the trainer and the references did not see the same rows: ${problems.join("; ")}`);
}

/** Simulates the data, runs the three models on it and measures them on the same test rows. */
export async function runQualityComparison(o: QualityOptions): Promise<QualityRun> {
  const log = o.log ?? (() => undefined);
  const population = o.population ?? HANDBOOK_POPULATION;
  const windows = o.windows ?? HANDBOOK_WINDOWS;
  const sim = qualitySimulation(o.data, o.seed, population);

  let started = performance.now();
  const dataset = simulateDataset(sim);
  const simulateSeconds = secondsSince(started);
  const frauds = fraudCount(dataset.labels);
  log(`${o.data} data, seed ${o.seed}: ${dataset.size} transactions (${frauds} frauds) simulated in ${simulateSeconds.toFixed(1)} s`);

  started = performance.now();
  const ours = await runTrainer(dataset, windows, o.tuning ?? DEFAULT_TUNING, log);
  const trainerSeconds = secondsSince(started);

  started = performance.now();
  const features = handbookFeatures(dataset, HANDBOOK_DELAY_DAYS);
  const featureSeconds = secondsSince(started);
  log(`handbook features: ${dataset.size} rows in ${featureSeconds.toFixed(2)} s`);
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < dataset.size; i++) last = Math.max(last, dataset.timestamps[i]!);
  const split = resolveSplit({ ...windows, delayDays: HANDBOOK_DELAY_DAYS }, last);
  const order = eventOrder(dataset);
  const trainRows = selectWindow(dataset, order, features, split, 1);
  const testRows = selectWindow(dataset, order, features, split, 2);
  const trainCounts = { rows: trainRows.labels.length, frauds: fraudCount(trainRows.labels) };
  const testCounts = { rows: testRows.labels.length, frauds: fraudCount(testRows.labels) };
  assertSameRows(ours, split, trainCounts, testCounts);
  const measure = (scores: Float64Array): EvaluationMetrics =>
    computeMetrics(scores, testRows.labels, testRows.timestamps, testRows.cards).metrics;

  started = performance.now();
  const xgboost = measure(await referenceXgboostScores(trainRows, testRows));
  const xgboostSeconds = secondsSince(started);
  log(`reference XGBoost: ${xgboostSeconds.toFixed(1)} s`);

  started = performance.now();
  const logistic = measure(referenceLogisticScores(trainRows, testRows));
  const logisticSeconds = secondsSince(started);
  log(`reference logistic regression: ${logisticSeconds.toFixed(1)} s`);

  return {
    data: o.data,
    seed: o.seed,
    population,
    startDate: sim.startDate ?? DEFAULT_START_DATE,
    transactions: dataset.size,
    frauds,
    windows: describeSplit(split),
    train: trainCounts,
    test: testCounts,
    models: [
      quality("our trainer: XGBoost, our features", ours.metrics, trainerSeconds),
      quality("our trainer: its logistic baseline", ours.baselineMetrics),
      quality("Handbook: XGBoost, book features", xgboost, xgboostSeconds),
      quality("Handbook: logistic, book features", logistic, logisticSeconds),
    ],
    seconds: { simulate: simulateSeconds, handbookFeatures: featureSeconds },
    trainerSeconds: { features: ours.featureSeconds, xgboost: ours.trainingSeconds },
  };
}
