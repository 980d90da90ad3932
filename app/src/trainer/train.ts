/**
 * `train`: features -> XGBoost -> honest evaluation against a baseline and the production model ->
 * registry (always) -> production (only through the champion/challenger gate).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { FEATURE_COUNT } from "../features/compute";
import { FEATURE_NAMES, FEATURE_SET_VERSION, type FeatureConfig } from "../features/types";
import { assertServingFeatures } from "../model/load";
import { XGBoostModel } from "../model/xgboost-model";
import { serializeMetadata, type EvaluationMetrics, type ModelMetadata } from "../registry/metadata";
import type { ModelRegistry } from "../registry/registry";
import type { Dataset } from "./dataset";
import { decidePromotion, DEFAULT_GATE, type Champion, type GateConfig, type GateDecision } from "./gate";
import { fitLogistic, predictLogistic } from "./logistic";
import { computeMetrics, thresholdAtFpr, type Curves } from "./metrics";
import { buildWindows, assertUsable, type WindowData } from "./windows";
import { COLORS, renderReport, type ReportModel } from "./report/html";
import { preloadCharts } from "./report/svg";
import { describeSplit, formatDay, resolveSplit, type SplitArgs, type TimeSplit } from "./split";
import { averageBoosters } from "./ensemble";
import { blankColumns, DEFAULT_TUNING, tuneBooster, type TrialResult, type TuningConfig } from "./tuning";
import { predictBooster, trainBooster, type BoosterParams } from "./xgboost";
import { DAY_MS } from "./metrics";
import { referenceDistributions } from "./reference";

export interface TrainOptions {
  readonly registry: ModelRegistry;
  readonly dataset: Dataset;
  /** Shown in the report: the CSV path or "postgres". */
  readonly sourceName: string;
  readonly split: Omit<SplitArgs, "delayDays">;
  readonly featureConfig: FeatureConfig;
  /** Overrides of the tuned booster parameters. */
  readonly booster?: Partial<BoosterParams>;
  /** The validation search for depth, eta, rounds and weighting. Default DEFAULT_TUNING. */
  readonly tuning?: TuningConfig;
  readonly gate?: GateConfig;
  /** Default: a new name from the time and random bits. */
  readonly version?: string;
  /** Notes for the report (bad rows, ignored columns...). */
  readonly notes?: readonly string[];
  readonly log?: (msg: string) => void;
}

export interface TrainResult {
  readonly version: string;
  readonly split: TimeSplit;
  readonly metrics: EvaluationMetrics;
  readonly baselineMetrics: EvaluationMetrics;
  readonly championMetrics?: EvaluationMetrics;
  readonly decision: GateDecision;
  readonly promoted: boolean;
  readonly trainRows: number;
  readonly trainFrauds: number;
  readonly scalePosWeight: number;
  readonly featureRowsPerSecond: number;
  readonly featureSeconds: number;
  /** CPU time of the pass (on a shared machine, wall-clock seconds include others' turns). */
  readonly featureCpuSeconds: number;
  readonly trainingSeconds: number;
  /** Largest |TypeScript - XGBoost CLI| probability over the test window. */
  readonly predictorMaxAbsDiff: number;
}

/** The TypeScript predictor on row-major features. */
export function scoreRows(model: XGBoostModel, features: Float64Array): Float64Array {
  const n = features.length / FEATURE_COUNT;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = model.predict(features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  return out;
}

function describeParams(p: BoosterParams): string {
  return `${p.rounds} rounds, max_depth ${p.maxDepth}, eta ${p.eta}, scale_pos_weight ${p.scalePosWeight.toFixed(2)}`;
}

export function newVersionName(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `v${stamp}-${randomBytes(3).toString("hex")}`;
}

export function gitCommit(): string {
  if (process.env.GIT_COMMIT) return process.env.GIT_COMMIT;
  const out = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : "unknown";
}

/**
 * Decision thresholds from the test window's score distribution: cut-offs are set where 1%
 * (review) and 0.1% (decline) of genuine transactions would be flagged, whether or not the tuning
 * chose class weighting (which inflates raw probabilities).
 */
export function thresholdsFrom(curves: Curves): { review: number; decline: number } {
  const clamp = (v: number): number => (Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 1);
  const review = clamp(thresholdAtFpr(curves, 0.01));
  const decline = Math.max(review, clamp(thresholdAtFpr(curves, 0.001)));
  return { review, decline };
}

function metricsOf(scores: Float64Array, w: WindowData): { metrics: EvaluationMetrics; curves: Curves } {
  return computeMetrics(scores, w.labels, w.timestamps, w.cards);
}

function sameFeatureConfig(a: FeatureConfig, b: FeatureConfig): boolean {
  return a.timezone === b.timezone && a.labelDelayMs === b.labelDelayMs;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? (() => undefined);
  const d = o.dataset;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < d.size; i++) if (d.timestamps[i]! > last) last = d.timestamps[i]!;
  const delayDays = o.featureConfig.labelDelayMs / DAY_MS;
  const split = resolveSplit({ ...o.split, delayDays }, last);
  log(`split: ${describeSplit(split)}`);

  const windows = buildWindows(d, split, o.featureConfig);
  const { train: tr, test: te, pass } = windows;
  const rowsPerSecond = pass.replayed / pass.seconds;
  log(
    `features: ${pass.replayed} rows in ${pass.seconds.toFixed(2)} s (${Math.round(rowsPerSecond)} rows/s); train ${tr.size} rows (${tr.frauds} frauds), test ${te.size} rows (${te.frauds} frauds)${pass.duplicates ? `; ${pass.duplicates} duplicate transaction ids skipped` : ""}`,
  );
  assertUsable(tr, "train", split);
  assertUsable(te, "test", split);

  preloadCharts(); // the report's charting library loads while XGBoost's child processes tune
  const tuning = await tuneBooster(tr, FEATURE_COUNT, FEATURE_NAMES, split.trainEnd, o.tuning ?? DEFAULT_TUNING);
  const cfg = o.tuning ?? DEFAULT_TUNING;
  const describeTrial = (t: TrialResult): string =>
    `depth ${t.maxDepth}, eta ${t.eta}, ${t.rounds} rounds${t.weighted ? ", weighted" : ""}${t.blank.length ? `, without ${t.blank.join(", ")}` : ""}: AUC ${t.auc.toFixed(3)}, average precision ${t.averagePrecision.toFixed(3)}`;
  const validation =
    `validation on the last ${cfg.validationDays} training days (${tuning.validationRows} rows, ${tuning.validationFrauds} frauds): ` +
    tuning.members.map((m) => describeTrial(m.trial)).join("; ");
  log(`tuning: ${tuning.trials.length} trials in ${tuning.seconds.toFixed(1)} s; ${validation}`);
  // explicit booster settings (--rounds, --max-depth, --eta) replace the average by one booster
  const members = o.booster ? [{ ...tuning.members[0]!, params: { ...tuning.members[0]!.params, ...o.booster } }] : tuning.members;
  const boosters: string[] = [];
  let trainingSeconds = 0;
  for (const m of members) {
    const b = await trainBooster(blankColumns(tr.features, FEATURE_NAMES, m.blank), FEATURE_COUNT, tr.labels, m.params);
    boosters.push(b.modelJson);
    trainingSeconds += b.seconds;
    log(`xgboost: ${describeParams(m.params)}: ${b.seconds.toFixed(2)} s`);
  }
  const modelJson = averageBoosters(boosters);
  const scalePosWeight = members[0]!.params.scalePosWeight;
  const model = XGBoostModel.fromJson(modelJson, FEATURE_NAMES);
  const scores = scoreRows(model, te.features);
  const cli = await predictBooster(modelJson, te.features, FEATURE_COUNT);
  let maxDiff = 0;
  for (let i = 0; i < scores.length; i++) maxDiff = Math.max(maxDiff, Math.abs(scores[i]! - cli[i]!));
  if (!(maxDiff <= 1e-6)) throw new Error(`the TypeScript predictor differs from XGBoost by ${maxDiff} on the test window (limit 1e-6)`);

  const boosted = metricsOf(scores, te);
  const lr = fitLogistic(tr.features, tr.labels, FEATURE_NAMES, { positiveWeight: 1 });
  const baseline = metricsOf(predictLogistic(lr, te.features), te);

  const gate = o.gate ?? DEFAULT_GATE;
  const manifest = await o.registry.readManifest();
  let champion: Champion | undefined;
  let championEval: { metrics: EvaluationMetrics; curves: Curves } | undefined;
  if (manifest.production) {
    const stored = await o.registry.getModel(manifest.production);
    const names = stored.metadata.featureNames;
    const incomparable = (() => {
      try {
        assertServingFeatures(stored.metadata);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    })();
    if (incomparable !== undefined) {
      champion = { version: stored.version, incomparable };
    } else {
      const champ = XGBoostModel.fromJson(stored.modelJson, names);
      const features = sameFeatureConfig(stored.metadata.featureConfig, o.featureConfig)
        ? te.features
        : buildWindows(d, split, stored.metadata.featureConfig).test.features;
      championEval = metricsOf(scoreRows(champ, features), te);
      champion = { version: stored.version, metrics: championEval.metrics };
    }
  }
  const decision = decidePromotion(boosted.metrics, champion, gate);
  const version = o.version ?? newVersionName();
  const thresholds = thresholdsFrom(boosted.curves);
  const metadata: ModelMetadata = {
    version,
    featureNames: [...FEATURE_NAMES],
    featureSetVersion: FEATURE_SET_VERSION,
    thresholds,
    metrics: boosted.metrics,
    baselineMetrics: baseline.metrics,
    dataWindow: {
      trainStart: formatDay(split.trainStart),
      trainEnd: formatDay(split.trainEnd - DAY_MS),
      testStart: formatDay(split.testStart),
      testEnd: formatDay(split.testEnd - DAY_MS),
    },
    gitCommit: gitCommit(),
    trainedAt: new Date().toISOString(),
    labelDelayDays: delayDays,
    featureConfig: o.featureConfig,
    reference: referenceDistributions(tr.features, FEATURE_NAMES, scores, thresholds),
  };
  const models: ReportModel[] = [
    { name: "XGBoost", metrics: boosted.metrics, curves: boosted.curves, color: COLORS.boosting },
    { name: "Logistic baseline", metrics: baseline.metrics, curves: baseline.curves, color: COLORS.baseline },
  ];
  if (championEval && champion)
    models.push({
      name: `Production ${champion.version}`,
      metrics: championEval.metrics,
      curves: championEval.curves,
      color: COLORS.champion,
    });
  const report = await renderReport({
    title: `Fraud model ${version}`,
    version,
    facts: [
      ["Data", o.sourceName],
      ["Windows", describeSplit(split)],
      ["Train rows", `${tr.size} (${tr.frauds} frauds)`],
      ["Test rows", `${te.size} (${te.frauds} frauds)`],
      [
        "XGBoost",
        `${members.length === 1 ? "" : `mean of ${members.length} boosters: `}${members.map((m) => describeParams(m.params)).join("; ")}; tree_method hist`,
      ],
      ["Tuning", `best of ${tuning.trials.length} trials, ${validation}`],
      [
        "Thresholds",
        `review >= ${metadata.thresholds.review.toFixed(4)} (1% FPR), decline >= ${metadata.thresholds.decline.toFixed(4)} (0.1% FPR)`,
      ],
      ["Git commit", metadata.gitCommit],
      ["Trained at", metadata.trainedAt],
    ],
    models,
    scores,
    labels: te.labels,
    importance: model.featureImportance(),
    notes: [`Promotion: ${decision.promote ? "promoted" : "not promoted"}: ${decision.reason}.`, ...(o.notes ?? [])],
  });
  const training = {
    boosters: members.map((m) => ({ ...m.params, blank: m.blank })),
    tuning: {
      members: tuning.members.map((m) => m.trial),
      fitRows: tuning.fitRows,
      validationRows: tuning.validationRows,
      validationFrauds: tuning.validationFrauds,
      seconds: tuning.seconds,
      trials: tuning.trials,
    },
    logistic: lr,
    gate: { ...gate, decision },
    featurePass: { rows: pass.replayed, seconds: pass.seconds, duplicates: pass.duplicates },
    trainingSeconds,
    predictorMaxAbsDiff: maxDiff,
    notes: o.notes ?? [],
  };
  await o.registry.putVersion(version, {
    "model.json": modelJson,
    "metadata.json": serializeMetadata(metadata),
    "training.json": `${JSON.stringify(training, null, 2)}\n`,
    ...Object.fromEntries(Object.entries(report.files).map(([k, v]) => [`report/${k}`, v])),
  });
  log(`registered ${version} in ${o.registry.uri}`);
  if (decision.promote) {
    await o.registry.promote(version, decision.reason);
    log(`promoted ${version}: ${decision.reason}`);
  } else {
    log(`NOT promoted: ${decision.reason}`);
  }
  return {
    version,
    split,
    metrics: boosted.metrics,
    baselineMetrics: baseline.metrics,
    ...(championEval ? { championMetrics: championEval.metrics } : {}),
    decision,
    promoted: decision.promote,
    trainRows: tr.size,
    trainFrauds: tr.frauds,
    scalePosWeight,
    featureRowsPerSecond: rowsPerSecond,
    featureSeconds: pass.seconds,
    featureCpuSeconds: pass.cpuSeconds,
    trainingSeconds,
    predictorMaxAbsDiff: maxDiff,
  };
}
