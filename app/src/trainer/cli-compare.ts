/** The CLI's compare command: the champion against its challengers on the labelled decision log. */
import { ENV } from "../config/deploy-contract";
import { secretsManagerReader } from "../config/secrets";
import { openRegistry } from "../registry/open";
import { compareDecisions, comparisonTable, latestComparison } from "./compare";
import { comparisonHtml } from "./compare-report";
import { readComparedDecisions } from "./compare-source";
import { DEFAULT_GATE, parseGateMetric } from "./gate";
import { DAY_MS } from "./metrics";
import { trainerDatabase } from "./sources";
import { num, registryUri, str, UsageError, type Values } from "./cli-flags";
import { log } from "./cli-log";

function utcDay(v: Values, k: "since" | "until"): Date | undefined {
  const s = str(v, k);
  if (s === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${k} must be a date (YYYY-MM-DD or ISO 8601), got ${JSON.stringify(s)}`);
  return d;
}

export async function compareCommand(v: Values): Promise<void> {
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
