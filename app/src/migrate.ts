/**
 * `node /app/dist/migrate.js`: applies the decision-log migrations to DATABASE_URL (or
 * DATABASE_HOST/PORT/NAME with the RDS secret) and exits; the Kubernetes migration Job runs it
 * before the API and worker roll out. Then creates (or updates) the workloads' database roles
 * named by DATABASE_API_ROLE_SECRET_ARN and DATABASE_TRAINER_ROLE_SECRET_ARN. Safe to run
 * concurrently and repeatedly.
 */
import { configOrExit, loadApiConfig } from "./serving/config";
import { createLogger, errorMessage } from "./serving/log";
import { ENV } from "./config/deploy-contract";
import { EnvReader } from "./config/env-reader";
import { secretField, secretsManagerReader, type SecretReader } from "./config/secrets";
import { migrate } from "./store/migrate";
import { openSql } from "./store/open";
import { ensureRoles, type RoleCredentials } from "./store/roles";

async function credentials(readSecret: SecretReader, arn: string | undefined): Promise<RoleCredentials | undefined> {
  if (!arn) return undefined;
  const secret = await readSecret(arn);
  const username = secretField(secret, "username");
  const password = secretField(secret, "password");
  if (!username || !password || username === secret) throw new Error(`secret ${arn}: expected JSON with "username" and "password"`);
  return { username, password };
}

async function main(): Promise<void> {
  const cfg = configOrExit(() => loadApiConfig());
  const env = new EnvReader(process.env);
  const roleArns = { api: env.str(ENV.databaseApiRoleSecretArn), trainer: env.str(ENV.databaseTrainerRoleSecretArn) };
  const log = createLogger(cfg.logLevel, { service: "migrate" });
  const readSecret = secretsManagerReader(cfg.awsRegion);
  const sql = await openSql(cfg.database, readSecret, log);
  try {
    const result = await migrate(sql);
    log.info(result.applied.length ? "migrations applied" : "schema up to date", {
      applied: result.applied,
      schemaVersion: result.current,
    });
    const roles = await ensureRoles(sql, {
      api: await credentials(readSecret, roleArns.api),
      trainer: await credentials(readSecret, roleArns.trainer),
    });
    if (roles.length) log.info("database roles up to date", { roles });
  } finally {
    await sql.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
