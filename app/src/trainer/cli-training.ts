/** The CLI commands that make data and models: simulate, train, evaluate. */
import { featureConfig } from "../features/compute";
import { ENV } from "../config/deploy-contract";
import { openRegistry } from "../registry/open";
import { writeSimulationCsv } from "../sim/csv-writer";
import { DEFAULT_START_DATE } from "../sim/simulator";
import { evaluate } from "./evaluate";
import { DEFAULT_GATE, parseGateMetric } from "./gate";
import type { EvaluationMetrics } from "../registry/metadata";
import { DAY_MS } from "./metrics";
import { progressBar } from "./progress";
import { loadSource, outOfVocabularyNote } from "./sources";
import { train } from "./train";
import { TUNINGS, type TuningConfig } from "./tuning";
import type { BoosterParams } from "./xgboost";
import { num, registryUri, sourceArgs, str, type Values } from "./cli-flags";
import { log } from "./cli-log";

function metricsTable(rows: [string, EvaluationMetrics][]): string {
  const keys = ["auc", "averagePrecision", "cardPrecisionAt100", "recallAt1PctFpr"] as const;
  const lines = [`${"".padEnd(20)}${keys.map((k) => k.padStart(20)).join("")}`];
  for (const [name, m] of rows) lines.push(`${name.padEnd(20)}${keys.map((k) => m[k].toFixed(4).padStart(20)).join("")}`);
  return lines.join("\n");
}

function pickMetrics(m: EvaluationMetrics): EvaluationMetrics {
  const { auc, averagePrecision, cardPrecisionAt100, recallAt1PctFpr, rows, frauds } = m;
  return { auc, averagePrecision, cardPrecisionAt100, recallAt1PctFpr, rows, frauds };
}

export async function simulate(v: Values): Promise<void> {
  const options = {
    days: num(v, "days", undefined, true),
    cards: num(v, "cards", undefined, true),
    merchants: num(v, "merchants", undefined, true),
    seed: num(v, "seed", 1, true),
    startDate: str(v, "start-date") ?? DEFAULT_START_DATE,
    ...(str(v, "drift-from-day") !== undefined
      ? {
          drift: {
            fromDay: num(v, "drift-from-day", undefined, true),
            amountFactor: num(v, "drift-amount-factor", 1),
            newMerchantShare: num(v, "drift-new-merchants", 0),
            compromisedCardsFactor: num(v, "drift-compromised-cards", 1),
          },
        }
      : {}),
  };
  const out = str(v, "out", true)!;
  const bar = progressBar("simulate", options.days);
  const started = performance.now();
  const s = await writeSimulationCsv(options, out, (day) => bar.update(day));
  bar.finish();
  const secs = (performance.now() - started) / 1000;
  process.stdout.write(
    `${out}: ${s.rows} transactions, ${s.frauds} frauds (${((100 * s.frauds) / Math.max(1, s.rows)).toFixed(2)}%: ` +
      `${s.fraudsByScenario[0]} large amounts, ${s.fraudsByScenario[1]} compromised terminals, ${s.fraudsByScenario[2]} compromised cards), ` +
      `${new Date(s.firstTimestamp).toISOString().slice(0, 10)}..${new Date(s.lastTimestamp).toISOString().slice(0, 10)}, ${secs.toFixed(1)} s\n`,
  );
}

function parseTuning(value: string): TuningConfig {
  if (!(value in TUNINGS)) throw new Error(`--tuning must be one of ${Object.keys(TUNINGS).join("|")}, got ${JSON.stringify(value)}`);
  return TUNINGS[value as keyof typeof TUNINGS];
}

export async function trainCommand(v: Values): Promise<void> {
  const src = await loadSource(sourceArgs(v));
  // the facts of the notes, without their examples
  const aside = [
    ...(src.badRows.count ? [`${src.badRows.count} bad rows skipped`] : []),
    ...src.outOfVocabulary.map((o) => outOfVocabularyNote(o, false)),
  ];
  log(`loaded ${src.dataset.size} rows from ${src.name}${aside.length ? ` (${aside.join("; ")})` : ""}`);
  const booster: Partial<BoosterParams> = {
    ...(v.rounds !== undefined ? { rounds: num(v, "rounds", undefined, true) } : {}),
    ...(v["max-depth"] !== undefined ? { maxDepth: num(v, "max-depth", undefined, true) } : {}),
    ...(v.eta !== undefined ? { eta: num(v, "eta") } : {}),
  };
  const delayDays = num(v, "delay-days", Number(process.env[ENV.labelDelayDays] ?? 7), true);
  const registry = openRegistry(registryUri(v));
  const result = await train({
    registry,
    dataset: src.dataset,
    sourceName: src.name,
    split: {
      trainStart: str(v, "train-start"),
      trainEnd: str(v, "train-end"),
      testStart: str(v, "test-start"),
      testEnd: str(v, "test-end"),
    },
    featureConfig: featureConfig({
      timezone: str(v, "timezone") ?? process.env[ENV.featureTimezone] ?? "UTC",
      labelDelayMs: delayDays * DAY_MS,
    }),
    booster,
    tuning: parseTuning(str(v, "tuning") ?? "full"),
    gate: {
      metric: parseGateMetric(str(v, "gate-metric") ?? DEFAULT_GATE.metric),
      margin: num(v, "gate-margin", DEFAULT_GATE.margin),
    },
    version: str(v, "version"),
    notes: src.notes,
    log,
  });
  if (v.json) {
    process.stdout.write(
      `${JSON.stringify({
        version: result.version,
        promoted: result.promoted,
        reason: result.decision.reason,
        metrics: result.metrics,
        baselineMetrics: result.baselineMetrics,
        championMetrics: result.championMetrics ?? null,
      })}\n`,
    );
    return;
  }
  const rows: [string, EvaluationMetrics][] = [
    ["xgboost", result.metrics],
    ["logistic baseline", result.baselineMetrics],
  ];
  if (result.championMetrics) rows.push(["production", result.championMetrics]);
  process.stdout.write(
    `model ${result.version}: ${result.promoted ? "PROMOTED" : "registered, NOT promoted"} (${result.decision.reason})\n` +
      `test window: ${result.metrics.rows} rows, ${result.metrics.frauds} frauds\n${metricsTable(rows)}\n` +
      `report: ${registry.fileLocation(result.version, "report/index.html")}\n`,
  );
}

export async function evaluateCommand(v: Values): Promise<void> {
  const version = str(v, "model", true)!;
  const src = await loadSource(sourceArgs(v));
  const result = await evaluate({
    registry: openRegistry(registryUri(v)),
    version,
    dataset: src.dataset,
    sourceName: src.name,
    testStart: str(v, "test-start"),
    testEnd: str(v, "test-end"),
    reportDir: str(v, "report-dir") ?? `reports/${version}`,
    notes: src.notes,
    log,
  });
  if (v.json) {
    process.stdout.write(`${JSON.stringify(pickMetrics(result.metrics))}\n`);
    return;
  }
  process.stdout.write(
    `model ${version} on ${result.metrics.rows} test rows (${result.metrics.frauds} frauds)\n` +
      `${metricsTable([
        ["xgboost", result.metrics],
        ["logistic baseline", result.baselineMetrics],
      ])}\nreport: ${result.reportDir}/index.html\n`,
  );
}
