/**
 * `node /app/dist/migrate.js`: applies the decision-log migrations to DATABASE_URL (or
 * DATABASE_HOST/PORT/NAME with the RDS secret) and exits; the Kubernetes migration Job runs it
 * before the API and worker roll out. Safe to run concurrently and repeatedly.
 */
import { configOrExit, loadApiConfig } from "./api/config";
import { createLogger, errorMessage } from "./api/log";
import { secretsManagerReader } from "./config/secrets";
import { migrate } from "./store/migrate";
import { openSql } from "./store/open";

async function main(): Promise<void> {
  const cfg = configOrExit(() => loadApiConfig());
  const log = createLogger(cfg.logLevel);
  const sql = await openSql(cfg.database, secretsManagerReader(cfg.awsRegion), log);
  try {
    const result = await migrate(sql);
    log.info(result.applied.length ? "migrations applied" : "schema up to date", { applied: result.applied, version: result.current });
  } finally {
    await sql.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
