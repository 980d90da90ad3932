/**
 * Applies pending migrations in one transaction under an advisory lock, so two pods (or the
 * migration Job and an API pod) starting together cannot race: the second waits, then finds
 * nothing left to do.
 */
import { MIGRATIONS, type Migration } from "./migrations";
import { schemaPrefix, type SqlClient } from "./sql";

export interface MigrationResult {
  readonly applied: readonly number[];
  readonly current: number;
}

/** SQLSTATEs of a schema not migrated yet: undefined_table, invalid_schema_name. */
const NOT_CREATED = new Set(["42P01", "3F000"]);

export async function migrate(sql: SqlClient, schema?: string, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const s = schemaPrefix(schema);
  // Up to date: nothing to lock or create. The API starts as a role without DDL rights (the
  // migration ran as the master user before it) and only needs to see that.
  const applied = await sql.query<{ version: number }>(`SELECT version FROM ${s}schema_migrations`).then(
    (r) => new Set(r.rows.map((row) => Number(row.version))),
    (err: unknown) => {
      if (NOT_CREATED.has((err as { code?: string }).code ?? "")) return new Set<number>();
      throw err;
    },
  );
  if (migrations.every((m) => applied.has(m.version))) return { applied: [], current: Math.max(0, ...applied) };
  return sql.transaction(async (q) => {
    // Lock before any DDL: even CREATE ... IF NOT EXISTS races on the catalog.
    await q.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`fraud-platform:migrations:${schema ?? ""}`]);
    if (schema !== undefined) await q.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await q.query(
      `CREATE TABLE IF NOT EXISTS ${s}schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await q.query<{ version: number }>(`SELECT version FROM ${s}schema_migrations`)).rows.map((r) => Number(r.version)),
    );
    const applied: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      for (const statement of m.up(s)) await q.query(statement);
      await q.query(`INSERT INTO ${s}schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    const current = Math.max(0, ...done, ...applied);
    return { applied, current };
  });
}
