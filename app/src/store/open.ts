/** Opens the decision database the configuration names: PostgreSQL (RDS) or embedded PGlite. */
import type { PoolConfig } from "pg";
import type { DatabaseSettings } from "../api/config";
import type { Logger } from "../api/log";
import { secretField, type SecretReader } from "../api/secrets";
import { embeddedClient, postgresClient, type SqlClient } from "./sql";

export async function poolConfig(db: Extract<DatabaseSettings, { kind: "postgres" }>, readSecret: SecretReader): Promise<PoolConfig> {
  const config: PoolConfig = {
    max: 8,
    connectionTimeoutMillis: 3000,
    // a statement stuck on a dead connection must fail so the write-behind queue can retry
    query_timeout: 10_000,
    keepAlive: true,
  };
  if (db.url) config.connectionString = db.url;
  else {
    config.host = db.host;
    config.port = db.port;
    config.database = db.database;
  }
  if (db.secretArn) {
    const secret = await readSecret(db.secretArn);
    config.user = secretField(secret, "username");
    config.password = secretField(secret, "password");
  }
  // RDS CA certificates reach Node through NODE_EXTRA_CA_CERTS (set in the API image).
  if (db.tls) config.ssl = { rejectUnauthorized: true };
  return config;
}

export async function openSql(db: DatabaseSettings, readSecret: SecretReader, log: Logger): Promise<SqlClient> {
  if (db.kind === "embedded") {
    log.info("decision log: embedded PostgreSQL (PGlite)", { dir: db.dir });
    return embeddedClient(db.dir);
  }
  const config = await poolConfig(db, readSecret);
  log.info("decision log: PostgreSQL", { host: config.host ?? "(from DATABASE_URL)", tls: db.tls });
  return postgresClient(config, (err) => log.warn("postgres idle client error", { error: err.message }));
}
