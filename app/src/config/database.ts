/**
 * Where PostgreSQL is and how to log in, for every process that reaches it (API, stream worker,
 * migrations, trainer): either DATABASE_URL (local runs) or DATABASE_HOST/PORT/NAME/TLS with the
 * credentials in a Secrets Manager secret (the cluster: the workload's own database role, or the
 * RDS-managed master secret for migrations). One parser, one connection builder.
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
  { readonly kind: "embedded"; readonly dir: string } | PostgresSettings;

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

/** How old the pool's password may get before the secret is read again (RDS rotates the master's). */
export const SECRET_MAX_AGE_MS = 5 * 60_000;
/** Authentication failures re-read the secret at most this often (not once per refused connection). */
const REREAD_MIN_MS = 1000;

/**
 * The password in a database secret for a connection pool: read at start, and again when it is
 * `maxAgeMs` old or PostgreSQL refused it (`refused`, on SQLSTATE 28P01: the secret was rotated),
 * so new connections log in with the rotated password without a restart. A failed re-read keeps
 * the last password (the next connection asks again).
 */
export class SecretPassword {
  private password: string | undefined;
  private readAt = 0;
  private stale = false;
  private reading: Promise<string | undefined> | undefined;

  private constructor(
    private readonly read: () => Promise<string>,
    readonly user: string | undefined,
    first: string | undefined,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {
    this.password = first;
    this.readAt = now();
  }

  static async open(read: () => Promise<string>, maxAgeMs = SECRET_MAX_AGE_MS, now: () => number = Date.now): Promise<SecretPassword> {
    const secret = await read();
    return new SecretPassword(read, secretField(secret, "username"), secretField(secret, "password"), maxAgeMs, now);
  }

  /** The password for a new connection: re-read first when stale. */
  current(): Promise<string | undefined> {
    const age = this.now() - this.readAt;
    if (!(age >= this.maxAgeMs || (this.stale && age >= REREAD_MIN_MS))) return Promise.resolve(this.password);
    this.reading ??= this.read()
      .then(
        (secret) => {
          this.password = secretField(secret, "password");
          this.stale = false;
        },
        () => undefined,
      )
      .then(() => {
        this.readAt = this.now();
        this.reading = undefined;
        return this.password;
      });
    return this.reading;
  }

  /** PostgreSQL refused the password: the next connection reads the secret again. */
  refused(): void {
    this.stale = true;
  }
}

/** The SQLSTATE PostgreSQL answers a wrong password with. */
export const INVALID_PASSWORD = "28P01";

/**
 * Pool settings as `pgConnectionConfig`, with the password re-read from the secret as `SecretPassword`
 * does: `credentials` is to be told of every refused password.
 */
export async function rotatingConnectionConfig(
  db: PostgresSettings,
  readSecret: SecretReader,
): Promise<{ config: ClientConfig; credentials?: SecretPassword }> {
  if (!db.secretArn) return { config: await pgConnectionConfig(db, readSecret) };
  const arn = db.secretArn;
  const credentials = await SecretPassword.open(() => readSecret(arn));
  const config = await pgConnectionConfig({ ...db, secretArn: undefined }, readSecret);
  config.user = credentials.user;
  config.password = () => credentials.current().then((p) => p ?? "");
  return { config, credentials };
}
