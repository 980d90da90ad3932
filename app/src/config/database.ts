/**
 * Where PostgreSQL is and how to log in, for every process that reaches it (API, stream worker,
 * migrations, trainer): either DATABASE_URL (local runs) or DATABASE_HOST/PORT/NAME/TLS with the
 * credentials in the RDS-managed master secret (the cluster). One parser, one connection builder.
 */
import type { ClientConfig } from "pg";
import { ENV } from "./deploy-contract";
import type { EnvReader } from "./env-reader";
import { secretField, type SecretReader } from "./secrets";

export interface PostgresSettings {
  readonly kind: "postgres";
  /** DATABASE_URL, or built from DATABASE_HOST/PORT/NAME plus the RDS secret. */
  readonly url?: string;
  readonly host?: string;
  readonly port: number;
  readonly database?: string;
  readonly tls: boolean;
  readonly secretArn?: string;
}

export type DatabaseSettings =
  /** Embedded PGlite in `dir`: local runs with no server. */
  | { readonly kind: "embedded"; readonly dir: string }
  | PostgresSettings;

/** The PostgreSQL settings in the environment, or undefined when neither form is set. Problems go to `r`. */
export function readPostgresSettings(r: EnvReader): PostgresSettings | undefined {
  const url = r.str(ENV.databaseUrl);
  const host = r.str(ENV.databaseHost);
  if (!url && !host) return undefined;
  const settings: PostgresSettings = {
    kind: "postgres",
    url,
    host,
    port: r.int(ENV.databasePort, 5432, 1, 65535),
    database: r.str(ENV.databaseName),
    tls: r.bool(ENV.databaseTls, false),
    secretArn: r.str(ENV.databaseSecretArn),
  };
  if (url && host) r.problems.push(`set either ${ENV.databaseUrl} or ${ENV.databaseHost}, not both`);
  return settings;
}

/** pg connection settings: address, user and password from the secret when one is named, TLS. */
export async function pgConnectionConfig(db: PostgresSettings, readSecret: SecretReader): Promise<ClientConfig> {
  const config: ClientConfig = db.url ? { connectionString: db.url } : { host: db.host, port: db.port, database: db.database };
  if (db.secretArn) {
    const secret = await readSecret(db.secretArn);
    config.user = secretField(secret, "username");
    config.password = secretField(secret, "password");
  }
  // RDS CA certificates reach Node through NODE_EXTRA_CA_CERTS (set in the API and trainer images).
  if (db.tls) config.ssl = { rejectUnauthorized: true };
  return config;
}
