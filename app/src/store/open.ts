/** Opens the decision database the configuration names: PostgreSQL (RDS) or embedded PGlite. */
import type { PoolConfig } from "pg";
import { pgConnectionConfig, type DatabaseSettings, type PostgresSettings } from "../config/database";
import type { SecretReader } from "../config/secrets";
import type { Logger } from "../api/log";
import { embeddedClient, postgresClient, type SqlClient } from "./sql";

export async function poolConfig(db: PostgresSettings, readSecret: SecretReader): Promise<PoolConfig> {
  return {
    ...(await pgConnectionConfig(db, readSecret)),
    max: 8,
    connectionTimeoutMillis: 3000,
    // a statement stuck on a dead connection must fail so the write-behind queue can retry
    query_timeout: 10_000,
    keepAlive: true,
  };
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
