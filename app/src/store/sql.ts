/**
 * The few SQL operations the decision log needs, over either a pg Pool (PostgreSQL, RDS) or
 * embedded PGlite (local runs with no server). PGlite is imported lazily so the container bundle,
 * which always talks to PostgreSQL, never needs it.
 */
import { mkdir } from "node:fs/promises";
import { DatabaseError, Pool, type PoolClient, type PoolConfig } from "pg";
import { from as copyFrom } from "pg-copy-streams";

export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

export interface SqlClient extends Queryable {
  /** Runs `fn` on one connection inside BEGIN/COMMIT (ROLLBACK when it throws). */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * `COPY ... FROM STDIN` (text format) with `rows` as its data: one statement, all rows or none.
   * PostgreSQL only (PGlite has no COPY from a client stream): callers fall back to INSERT.
   */
  copyIn?(statement: string, rows: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * PostgreSQL through a pg Pool. `onError` receives idle-client errors (a restarted server) instead
 * of crashing; `onFailure` every failed query or connection (the caller re-reads a refused password).
 */
export function postgresClient(
  config: PoolConfig,
  onError: (err: Error) => void = () => undefined,
  onFailure: (err: unknown) => void = () => undefined,
): SqlClient {
  const pool = new Pool(config);
  pool.on("error", onError);
  const failed = (err: unknown): never => {
    onFailure(err);
    throw err;
  };
  return {
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params).catch(failed)) as unknown as { rows: R[] },
    transaction: <T>(fn: (q: Queryable) => Promise<T>) =>
      withClient(pool, failed, async (client) => {
        try {
          await client.query("BEGIN");
          const result = await fn({ query: async <R>(t: string, p?: unknown[]) => (await client.query(t, p)) as unknown as { rows: R[] } });
          await client.query("COMMIT");
          return result;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
      }),
    copyIn: (statement: string, rows: string, timeoutMs: number) =>
      withClient(
        pool,
        failed,
        (client) =>
          new Promise<void>((resolve, reject) => {
            const stream = client.query(copyFrom(statement));
            // a COPY has no query_timeout of its own: one stuck on a dead connection must still fail
            const timer = setTimeout(() => {
              const err = new Error(`COPY did not finish within ${timeoutMs} ms`);
              stream.destroy(err);
              reject(err);
            }, timeoutMs);
            const done = (err?: Error) => {
              clearTimeout(timer);
              if (err) reject(err);
              else resolve();
            };
            stream.on("finish", () => done());
            stream.on("error", done);
            stream.end(rows);
          }),
      ),
    close: () => pool.end(),
  };
}

/**
 * Runs `fn` on a checked-out client. A client whose connection broke (or that failed with anything
 * but an error PostgreSQL reported) is discarded on release rather than reused. While checked out,
 * a dropped connection emits 'error' on the client (unhandled, it would kill the process): the
 * failing statement reports it instead.
 */
async function withClient<T>(pool: Pool, failed: (err: unknown) => never, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect().catch(failed);
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on("error", onError);
  try {
    return await fn(client);
  } catch (err) {
    if (!(err instanceof DatabaseError)) broken ??= err instanceof Error ? err : new Error(String(err));
    throw err;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}

/** Embedded PostgreSQL (PGlite) persisted in `dir`, or in memory when `dir` is undefined. */
export async function embeddedClient(dir?: string): Promise<SqlClient> {
  const { PGlite } = await import("@electric-sql/pglite").catch(() => {
    throw new Error("the embedded database (PGlite) is not in this build: set DATABASE_URL (or DATABASE_HOST) to a PostgreSQL server");
  });
  if (dir) await mkdir(dir, { recursive: true });
  const db = dir ? await PGlite.create(dir) : await PGlite.create();
  return {
    query: <R>(text: string, params?: unknown[]) => db.query<R>(text, params),
    transaction: <T>(fn: (q: Queryable) => Promise<T>) =>
      db.transaction((tx) => fn({ query: <R>(t: string, p?: unknown[]) => tx.query<R>(t, p) })),
    close: () => db.close(),
  };
}

/**
 * The prefix that qualifies table names: `"schema".` for an explicit schema (tests use one per
 * run), empty to follow the connection's search_path (production: public).
 */
export function schemaPrefix(schema: string | undefined): string {
  if (schema === undefined) return "";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid SQL schema name ${JSON.stringify(schema)}`);
  return `"${schema}".`;
}

/**
 * Whether PostgreSQL refused the values themselves: SQLSTATE class 22 (data exception: a date out
 * of range, an invalid byte sequence) or 23 (integrity constraint: a CHECK). Retrying the same
 * values fails the same way. Anything else (no connection, a timeout, a server shutting down, a
 * missing table) says nothing about the values and is retried.
 */
export function refusesValues(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"));
}
