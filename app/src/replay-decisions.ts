/**
 * `npm run replay-decisions -- --from FILE|-`: writes the decisions a shutdown logged as
 * "decision not written" (PostgreSQL unreachable until its deadline) into the decision log at
 * DATABASE_URL (or DATABASE_HOST/PORT/NAME with the RDS secret), as the migration command connects.
 * Reads a log file, or stdin for `-` (e.g. `kubectl logs POD --previous | npm run --silent
 * replay-decisions -- --from -`); other lines are counted and skipped. Ids already stored are
 * skipped: running it twice inserts nothing the second time. Prints the counts as one JSON line on
 * stdout; exits 1 when PostgreSQL refused a decision (each is logged with its id), 2 on usage.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { configOrExit, loadApiConfig } from "./serving/config";
import { createLogger, errorMessage } from "./serving/log";
import { secretsManagerReader } from "./config/secrets";
import { DecisionLog } from "./store/decision-log";
import { openSql } from "./store/open";
import { replayDecisions } from "./store/replay";

const USAGE = "usage: replay-decisions --from FILE|-   (log lines; - reads stdin)";

function fromArg(argv: readonly string[]): string {
  if (argv.length !== 2 || argv[0] !== "--from" || !argv[1]) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  return argv[1];
}

async function main(): Promise<void> {
  const from = fromArg(process.argv.slice(2));
  const cfg = configOrExit(() => loadApiConfig());
  if (cfg.database.kind === "embedded") {
    process.stderr.write("replay-decisions: set DATABASE_URL (or DATABASE_HOST) to the PostgreSQL the decisions belong in\n");
    process.exit(2);
  }
  const log = createLogger(cfg.logLevel, { service: "replay-decisions" });
  const input = from === "-" ? process.stdin : createReadStream(from, "utf8");
  const sql = await openSql(cfg.database, secretsManagerReader(cfg.awsRegion), log);
  // only insertMissing is used: the write-behind queue stays empty
  const decisions = new DecisionLog(sql, { capacity: 1 });
  try {
    const counts = await replayDecisions(createInterface({ input, crlfDelay: Infinity }), decisions, (d, err) =>
      log.error("decision refused by PostgreSQL: not replayed", { transactionId: d.transactionId, error: errorMessage(err) }),
    );
    process.stdout.write(`${JSON.stringify(counts)}\n`);
    if (counts.refused > 0) process.exitCode = 1;
  } finally {
    await decisions.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`replay-decisions failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
