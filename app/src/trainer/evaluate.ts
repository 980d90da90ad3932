/**
 * `evaluate`: scores a registered model on a test window with the TypeScript predictor (what the
 * API serves), beside a logistic baseline refitted on the model's own train window, and writes the
 * report. Features use the model's recorded feature config, point in time over the whole data set.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FEATURE_NAMES } from "../features/types";
import { assertServingFeatures } from "../model/load";
import { XGBoostModel } from "../model/xgboost-model";
import type { EvaluationMetrics } from "../registry/metadata";
import type { ModelRegistry } from "../registry/registry";
import type { Dataset } from "./dataset";
import { fitLogistic, predictLogistic } from "./logistic";
import { computeMetrics } from "./metrics";
import { COLORS, renderReport } from "./report/html";
import { describeSplit, resolveSplit } from "./split";
import { scoreRows } from "./train";
import { assertUsable, buildWindows } from "./windows";

export interface EvaluateOptions {
  readonly registry: ModelRegistry;
  readonly version: string;
  readonly dataset: Dataset;
  readonly sourceName: string;
  /** Default: the model's recorded test window. */
  readonly testStart?: string;
  readonly testEnd?: string;
  readonly reportDir: string;
  readonly notes?: readonly string[];
  readonly log?: (msg: string) => void;
}

export interface EvaluateResult {
  readonly metrics: EvaluationMetrics;
  readonly baselineMetrics: EvaluationMetrics;
  readonly reportDir: string;
}

export async function evaluate(o: EvaluateOptions): Promise<EvaluateResult> {
  const log = o.log ?? (() => undefined);
  const stored = await o.registry.getModel(o.version);
  const meta = stored.metadata;
  try {
    assertServingFeatures(meta);
  } catch (err) {
    throw new Error(`model ${o.version} cannot be evaluated by this trainer: ${(err as Error).message}`, { cause: err });
  }
  const model = XGBoostModel.fromJson(stored.modelJson, meta.featureNames);
  const split = resolveSplit(
    {
      trainStart: meta.dataWindow.trainStart,
      trainEnd: meta.dataWindow.trainEnd,
      testStart: o.testStart ?? meta.dataWindow.testStart,
      testEnd: o.testEnd ?? (o.testStart ? undefined : meta.dataWindow.testEnd),
      delayDays: meta.labelDelayDays,
    },
    Number.NaN,
  );
  log(`evaluate ${o.version}: ${describeSplit(split)}`);
  const { train: tr, test: te } = buildWindows(o.dataset, split, meta.featureConfig);
  assertUsable(te, "test", split);
  const scores = scoreRows(model, te.features);
  const boosted = computeMetrics(scores, te.labels, te.timestamps, te.cards);
  const notes = [...(o.notes ?? [])];
  let baseline: ReturnType<typeof computeMetrics> | undefined;
  if (tr.frauds > 0 && tr.frauds < tr.size) {
    const lr = fitLogistic(tr.features, tr.labels, FEATURE_NAMES, { positiveWeight: 1 });
    baseline = computeMetrics(predictLogistic(lr, te.features), te.labels, te.timestamps, te.cards);
  } else {
    notes.push(
      `no logistic baseline: the model's train window (${meta.dataWindow.trainStart}..${meta.dataWindow.trainEnd}) has no usable rows in this data`,
    );
  }
  const report = await renderReport({
    title: `Evaluation of fraud model ${o.version}`,
    version: o.version,
    facts: [
      ["Data", o.sourceName],
      ["Windows", `${describeSplit(split)} (train window: the model's, for the baseline)`],
      ["Test rows", `${te.size} (${te.frauds} frauds)`],
      ["Model trained", `${meta.trainedAt} at commit ${meta.gitCommit}`],
    ],
    models: [
      { name: "XGBoost", metrics: boosted.metrics, curves: boosted.curves, color: COLORS.boosting },
      ...(baseline ? [{ name: "Logistic baseline", metrics: baseline.metrics, curves: baseline.curves, color: COLORS.baseline }] : []),
    ],
    scores,
    labels: te.labels,
    importance: model.featureImportance(),
    notes,
  });
  await mkdir(o.reportDir, { recursive: true });
  for (const [name, content] of Object.entries(report.files)) await writeFile(join(o.reportDir, name), content);
  log(`report: ${join(o.reportDir, "index.html")}`);
  const nan = {
    auc: Number.NaN,
    averagePrecision: Number.NaN,
    cardPrecisionAt100: Number.NaN,
    recallAt1PctFpr: Number.NaN,
    rows: 0,
    frauds: 0,
  };
  return { metrics: boosted.metrics, baselineMetrics: baseline?.metrics ?? nan, reportDir: o.reportDir };
}
