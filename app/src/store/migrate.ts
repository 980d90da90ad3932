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

export async function migrate(sql: SqlClient, schema?: string, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const s = schemaPrefix(schema);
  return sql.transaction(async (q) => {
    // Lock before any DDL: even CREATE ... IF NOT EXISTS races on the catalog.
    await q.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`fraud-platform:migrations:${schema ?? ""}`]);
    if (schema !== undefined) await q.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await q.query(
      `CREATE TABLE IF NOT EXISTS ${s}schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await q.query<{ version: number }>(`SELECT version FROM ${s}schema_migrations`)).rows.map((r) => Number(r.version)));
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
