/**
 * The trainer CLI: simulate | train | evaluate | promote | rollback | challenger | compare. Logs go
 * to stderr; stdout carries the result (a table, or one JSON object with --json) so scripts can
 * parse it.
 */
import { parseArgs } from "node:util";
import { inSpan, readTracingSettings, startTracing, type Tracing } from "../telemetry/tracing";
import { appVersion } from "../telemetry/version";
import { ENV } from "../config/deploy-contract";
import { ConfigError } from "../config/config-error";
import { openRegistry } from "../registry/open";
import { DEFAULT_START_DATE } from "../sim/simulator";
import { challengerCommand, describeChallenger } from "./cli-challenger";
import { compareCommand } from "./cli-compare";
import { FLAGS, registryUri, str, UsageError, type Values } from "./cli-flags";
import { log } from "./cli-log";
import { evaluateCommand, simulate, trainCommand } from "./cli-training";

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
