/**
 * `npm run rebuild-features -- [--since ISO-TIME | --all] [--flush]` (in the API image: `node
 * /app/dist/rebuild-features.js ...`): rebuilds the Redis feature state at REDIS_URL from the
 * decision log and labels at DATABASE_URL (or DATABASE_HOST/PORT/NAME with its secret), reading the
 * API's environment, LABEL_DELAY_DAYS included. Default window: what any feature can still read
 * (the newest logged transaction minus 39 days with the default delay). `--flush` first deletes
 * the keys under the serving prefix. Safe to rerun, and to run while the API scores: the store is
 * idempotent per transaction and per label. Prints the counts and seconds as one JSON line on
 * stdout; exits 2 on usage.
 */
import { configOrExit, loadApiConfig } from "./serving/config";
import { createLogger, errorMessage } from "./serving/log";
import { secretsManagerReader } from "./config/secrets";
import { runFeatureRebuild } from "./serving/rebuild-features";

const USAGE = "usage: rebuild-features [--since ISO-TIME | --all] [--flush]";

function usage(problem: string): never {
  process.stderr.write(`rebuild-features: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { since?: number | "all"; flush: boolean } {
  let since: number | "all" | undefined;
  let flush = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--flush") flush = true;
    else if (a === "--all" && since === undefined) since = "all";
    else if (a === "--since" && since === undefined) {
      const t = Date.parse(argv[++i] ?? "");
      if (!Number.isFinite(t)) usage(`--since needs an ISO time, got ${JSON.stringify(argv[i])}`);
      since = t;
    } else usage(`unexpected argument ${JSON.stringify(a)}`);
  }
  return { since, flush };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cfg = configOrExit(() => loadApiConfig());
  if (cfg.database.kind === "embedded" || !cfg.redis)
    usage("set REDIS_URL and DATABASE_URL (or DATABASE_HOST): the stores to rebuild into and from");
  const log = createLogger(cfg.logLevel, { service: "rebuild-features" });
  const result = await runFeatureRebuild({
    database: cfg.database,
    redis: cfg.redis,
    readSecret: secretsManagerReader(cfg.awsRegion),
    labelDelayMs: cfg.features.labelDelayMs,
    since: args.since,
    flush: args.flush,
    log,
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`rebuild-features failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
