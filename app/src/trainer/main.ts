/**
 * The trainer CLI: simulate | train | evaluate | promote | rollback. Logs go to stderr; stdout
 * carries the result (a table, or one JSON object with --json) so scripts can parse it.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../serving/log";
import { inSpan, readTracingSettings, startTracing, type Tracing } from "../telemetry/tracing";
import { appVersion } from "../telemetry/version";
import { featureConfig } from "../features/compute";
import { ENV } from "../config/deploy-contract";
import { ConfigError } from "../config/config-error";
import { secretsManagerReader } from "../config/secrets";
import { openRegistry } from "../registry/open";
import { challenger, type Challenger } from "../registry/registry";
import { writeSimulationCsv } from "../sim/csv-writer";
import { DEFAULT_START_DATE } from "../sim/simulator";
import { compareDecisions, comparisonTable, latestComparison } from "./compare";
import { comparisonHtml } from "./compare-report";
import { readComparedDecisions } from "./compare-source";
import { evaluate } from "./evaluate";
import { DEFAULT_GATE, parseGateMetric } from "./gate";
import type { EvaluationMetrics } from "../registry/metadata";
import { DAY_MS } from "./metrics";
import { progressBar } from "./progress";
import { loadSource, outOfVocabularyNote, trainerDatabase, type SourceArgs } from "./sources";
import { train } from "./train";
import { TUNINGS, type TuningConfig } from "./tuning";
import type { BoosterParams } from "./xgboost";

const USAGE = `usage: trainer <command> [flags]
  simulate --days N --cards N --merchants N --seed N --out FILE [--start-date ${DEFAULT_START_DATE}]
           [--drift-from-day N [--drift-amount-factor 1.5] [--drift-new-merchants 0.3] [--drift-compromised-cards 5]]
  train    --data FILE | --source postgres [--database-url URL] [--pg-schema public]
           --registry DIR|s3://bucket/prefix [--train-start D --train-end D] [--delay-days 7]
           [--test-start D --test-end D] [--timezone UTC] [--max-bad-share 0.001]
           [--tuning full|quick] [--rounds N --max-depth N --eta X (fix what the tuning chose)]
           [--gate-metric averagePrecision --gate-margin 0.005]
           [--version NAME] [--json]
  evaluate --registry R --model VERSION --data FILE | --source postgres [--test-start D --test-end D]
           [--report-dir reports/VERSION] [--json]
  promote  --registry R --model VERSION [--reason TEXT]
  rollback --registry R [--reason TEXT]
  challenger --registry R --model VERSION --mode shadow|ab [--share 0.1] [--reason TEXT] | --clear
  compare  --since D | --since-days N [--until D (default: now minus --delay-days)] [--database-url URL] [--pg-schema public]
           [--registry R] [--gate-metric averagePrecision --gate-margin 0.005] [--resamples 200] [--json]
Dates are UTC days, inclusive (YYYY-MM-DD). Defaults: --registry $${ENV.modelRegistry} or ./registry,
--delay-days $${ENV.labelDelayDays} or 7, --timezone $${ENV.featureTimezone} or UTC, --source csv.
--source postgres connects as the API does: $${ENV.databaseUrl}, or $${ENV.databaseHost}, $${ENV.databasePort},
$${ENV.databaseName}, $${ENV.databaseTls} and $${ENV.databaseSecretArn} (JSON username/password); --database-url overrides both.`;

const FLAGS = {
  days: { type: "string" },
  cards: { type: "string" },
  merchants: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  "start-date": { type: "string" },
  "drift-from-day": { type: "string" },
  "drift-amount-factor": { type: "string" },
  "drift-new-merchants": { type: "string" },
  "drift-compromised-cards": { type: "string" },
  data: { type: "string" },
  source: { type: "string" },
  "database-url": { type: "string" },
  "pg-schema": { type: "string" },
  registry: { type: "string" },
  "train-start": { type: "string" },
  "train-end": { type: "string" },
  "delay-days": { type: "string" },
  "test-start": { type: "string" },
  "test-end": { type: "string" },
  timezone: { type: "string" },
  "max-bad-share": { type: "string" },
  rounds: { type: "string" },
  "max-depth": { type: "string" },
  eta: { type: "string" },
  tuning: { type: "string" },
  "gate-metric": { type: "string" },
  "gate-margin": { type: "string" },
  version: { type: "string" },
  model: { type: "string" },
  reason: { type: "string" },
  "report-dir": { type: "string" },
  json: { type: "boolean" },
  mode: { type: "string" },
  share: { type: "string" },
  clear: { type: "boolean" },
  since: { type: "string" },
  "since-days": { type: "string" },
  until: { type: "string" },
  resamples: { type: "string" },
  help: { type: "boolean" },
} as const;

type Values = Partial<Record<keyof typeof FLAGS, string | boolean>>;

class UsageError extends Error {}

function str(v: Values, k: keyof typeof FLAGS, required = false): string | undefined {
  const x = v[k];
  if (x === undefined || x === true || x === false) {
    if (required) throw new UsageError(`--${k} is required`);
    return undefined;
  }
  return x;
}

function num(v: Values, k: keyof typeof FLAGS, fallback?: number, integer = false): number {
  const s = str(v, k);
  if (s === undefined) {
    if (fallback === undefined) throw new UsageError(`--${k} is required`);
    return fallback;
  }
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${k} must be ${integer ? "an integer" : "a number"}, got ${JSON.stringify(s)}`);
  }
  return n;
}

function registryUri(v: Values): string {
  return str(v, "registry") ?? process.env[ENV.modelRegistry] ?? "./registry";
}

function sourceArgs(v: Values): SourceArgs {
  const source = str(v, "source") ?? "csv";
  if (source !== "csv" && source !== "postgres") throw new UsageError(`--source must be csv or postgres, got ${source}`);
  const maxBadShare = num(v, "max-bad-share", 0.001);
  if (!(maxBadShare >= 0 && maxBadShare <= 1)) throw new UsageError("--max-bad-share must be in [0, 1]");
  return {
    source,
    data: str(v, "data"),
    database: source === "postgres" ? trainerDatabase(process.env, str(v, "database-url")) : undefined,
    readSecret: secretsManagerReader(process.env[ENV.awsRegion]?.trim() || undefined),
    schema: str(v, "pg-schema"),
    maxBadShare,
  };
}

/** Plain lines on a terminal; JSON lines with the service and version in a pod, as the API's. */
// through process.stderr, as the plain lines: one stream, in order
const jsonLog = createLogger("info", { service: "fraud-trainer", version: appVersion(), write: (l) => void process.stderr.write(l) });
const log = (msg: string): void => (process.stderr.isTTY ? void process.stderr.write(`${msg}\n`) : jsonLog.info(msg));

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

async function simulate(v: Values): Promise<void> {
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

async function trainCommand(v: Values): Promise<void> {
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

async function evaluateCommand(v: Values): Promise<void> {
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

function utcDay(v: Values, k: "since" | "until"): Date | undefined {
  const s = str(v, k);
  if (s === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${k} must be a date (YYYY-MM-DD or ISO 8601), got ${JSON.stringify(s)}`);
  return d;
}

async function compareCommand(v: Values): Promise<void> {
  const now = new Date();
  // --since-days: the CronJob's form, a window that moves with the schedule
  const since = utcDay(v, "since") ?? (v["since-days"] !== undefined ? new Date(now.getTime() - num(v, "since-days") * DAY_MS) : undefined);
  if (!since) throw new UsageError("--since or --since-days is required");
  const delayDays = num(v, "delay-days", Number(process.env[ENV.labelDelayDays] ?? 7));
  // younger decisions may still get their fraud report: counted as genuine, they would flatter both models
  const until = utcDay(v, "until") ?? new Date(now.getTime() - delayDays * DAY_MS);
  const database = trainerDatabase(process.env, str(v, "database-url"));
  if (!database) throw new UsageError(`compare reads the decision log: set --database-url or $${ENV.databaseUrl}`);
  const rows = await readComparedDecisions({
    database,
    readSecret: secretsManagerReader(process.env[ENV.awsRegion]?.trim() || undefined),
    schema: str(v, "pg-schema"),
    since,
    until,
  });
  log(`${rows.length} labelled decisions scored by a challenger in [${since.toISOString()}, ${until.toISOString()})`);
  const pairs = compareDecisions(rows, {
    gate: { metric: parseGateMetric(str(v, "gate-metric") ?? DEFAULT_GATE.metric), margin: num(v, "gate-margin", DEFAULT_GATE.margin) },
    resamples: num(v, "resamples", 200, true),
  });
  const report = { at: now.toISOString(), since: since.toISOString(), until: until.toISOString(), pairs };
  let where = "";
  if (pairs.length > 0) {
    const id = `${pairs[0].champion}-vs-${pairs[0].challenger}-${now
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z")}`;
    const registry = openRegistry(registryUri(v));
    where = await registry.putComparison(id, {
      "comparison.json": `${JSON.stringify(report, null, 2)}\n`,
      "index.html": comparisonHtml(report.since, report.until, pairs),
    });
    // every pair, not only the largest: the current pair may be the newest, with the fewest decisions
    const window = { at: report.at, since: report.since, until: report.until };
    for (const p of pairs) await registry.putLatestComparison(latestComparison(p, window, where));
  }
  if (v.json) process.stdout.write(`${JSON.stringify({ ...report, report: where || null })}\n`);
  else process.stdout.write(`${comparisonTable(pairs)}${where ? `report: ${where}\n` : ""}`);
}

async function challengerCommand(v: Values): Promise<void> {
  const registry = openRegistry(registryUri(v));
  if (v.clear) {
    if (v.model !== undefined || v.mode !== undefined) throw new UsageError("--clear takes no --model or --mode");
    await registry.setChallenger(null, str(v, "reason") ?? "cleared by hand (trainer challenger --clear)");
    process.stdout.write("challenger: none\n");
    return;
  }
  const c = challenger(str(v, "model", true)!, str(v, "mode", true)!, v.share === undefined ? undefined : num(v, "share"));
  const m = await registry.setChallenger(c, str(v, "reason") ?? `set by hand (trainer challenger --mode ${c.mode})`);
  process.stdout.write(`${describeChallenger(m.challenger)} (production: ${m.production ?? "none"})\n`);
}

function describeChallenger(c: Challenger | undefined): string {
  if (!c) return "challenger: none";
  return `challenger: ${c.version} (${c.mode === "ab" ? `ab, answers for ${+(c.share * 100).toFixed(4)}% of cards` : "shadow"})`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  let values: Values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (err) {
    log(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help || !command || command === "help" || command === "--help") {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  let tracing: Tracing | undefined;
  try {
    const settings = readTracingSettings("fraud-trainer");
    // a run or two a day: every one is traced whatever ratio the API's hot path uses
    tracing = await startTracing(settings && { ...settings, sampler: "always_on" }, appVersion());
    await inSpan(`trainer ${command}`, { "fraud.trainer.command": command }, () => run(command, values));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) log(`${err.message}\n${USAGE}`);
    else log(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
    return err instanceof UsageError || err instanceof ConfigError ? 2 : 1;
  } finally {
    await tracing?.shutdown().catch(() => undefined);
  }
}

async function run(command: string, values: Values): Promise<void> {
  switch (command) {
    case "simulate":
      await simulate(values);
      break;
    case "train":
      await trainCommand(values);
      break;
    case "evaluate":
      await evaluateCommand(values);
      break;
    case "promote": {
      const version = str(values, "model", true)!;
      const registry = openRegistry(registryUri(values));
      if ((await registry.readManifest()).production === version) {
        process.stdout.write(`production: ${version} (already production; nothing changed)\n`);
        break;
      }
      const before = (await registry.readManifest()).challenger;
      const m = await registry.promote(version, str(values, "reason") ?? "promoted by hand (trainer promote)");
      process.stdout.write(`production: ${m.production}\n`);
      if (before && !m.challenger) process.stdout.write(`${describeChallenger(m.challenger)} (${before.version} promoted)\n`);
      break;
    }
    case "compare":
      await compareCommand(values);
      break;
    case "challenger":
      await challengerCommand(values);
      break;
    case "rollback": {
      const m = await openRegistry(registryUri(values)).rollback(str(values, "reason") ?? "rolled back by hand (trainer rollback)");
      process.stdout.write(`production: ${m.production}\n`);
      break;
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
