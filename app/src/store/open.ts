/** Opens the decision database the configuration names: PostgreSQL (RDS) or embedded PGlite. */
import type { PoolConfig } from "pg";
import {
  INVALID_PASSWORD,
  rotatingConnectionConfig,
  type DatabaseSettings,
  type PostgresSettings,
  type SecretPassword,
} from "../config/database";
import type { SecretReader } from "../config/secrets";
import { embeddedClient, postgresClient, type SqlClient } from "./sql";

/** What opening the database logs; any structured logger of the callers fits it. */
export interface OpenLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export async function poolConfig(
  db: PostgresSettings,
  readSecret: SecretReader,
): Promise<{ config: PoolConfig; credentials?: SecretPassword }> {
  const { config, credentials } = await rotatingConnectionConfig(db, readSecret);
  return {
    credentials,
    config: {
      ...config,
      max: 8,
      connectionTimeoutMillis: 3000,
      // a statement stuck on a dead connection must fail so the write-behind queue can retry
      query_timeout: 10_000,
      keepAlive: true,
    },
  };
}

export async function openSql(db: DatabaseSettings, readSecret: SecretReader, log: OpenLog): Promise<SqlClient> {
  if (db.kind === "embedded") {
    log.info("decision log: embedded PostgreSQL (PGlite)", { dir: db.dir });
    return embeddedClient(db.dir);
  }
  const { config, credentials } = await poolConfig(db, readSecret);
  log.info("decision log: PostgreSQL", {
    host: config.host ?? "(from DATABASE_URL)",
    tls: db.tls,
    user: config.user ?? "(from DATABASE_URL)",
  });
  return postgresClient(
    config,
    (err) => log.warn("postgres idle client error", { error: err.message }),
    (err) => {
      if ((err as { code?: string }).code !== INVALID_PASSWORD || !credentials) return;
      log.warn("PostgreSQL refused the password: reading the database secret again (rotated?)", { user: credentials.user });
      credentials.refused();
    },
  );
}
