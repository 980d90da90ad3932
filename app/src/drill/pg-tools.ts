/**
 * PostgreSQL's own backup tools (Debian's postgresql-client) and throwaway databases for the
 * restore drill: a dump is exactly what an operator would take and restore, not a copy by the app.
 */
import { spawn } from "node:child_process";
import { Client } from "pg";

/** Runs `cmd args`, resolving when it exits 0 and rejecting with its stderr otherwise. */
export function runTool(cmd: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", (e) => reject(new Error(`${cmd}: ${e.message} (install postgresql-client)`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
  });
}

/** `url` naming database `name` on the same server. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Creates database `name` on the server of `url`; returns its URL. */
export async function createDatabase(url: string, name: string): Promise<string> {
  await onServer(url, (c) => c.query(`CREATE DATABASE ${ident(name)}`));
  return databaseUrl(url, name);
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  await onServer(url, (c) => c.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`));
}

/** The whole database in pg_dump's custom format (compressed, restorable in parallel). */
export function dumpDatabase(url: string, file: string): Promise<void> {
  return runTool("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`, `--dbname=${url}`]);
}

export function restoreDatabase(url: string, file: string, jobs = 2): Promise<void> {
  return runTool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", `--jobs=${jobs}`, `--dbname=${url}`, file]);
}

/** Decisions and labels in the database at `url`. */
export async function logCounts(url: string): Promise<{ decisions: number; feedback: number }> {
  return onServer(url, async (c) => {
    const { rows } = await c.query<{ decisions: number; feedback: number }>(
      "SELECT (SELECT count(*) FROM decisions)::int AS decisions, (SELECT count(*) FROM feedback)::int AS feedback",
    );
    return rows[0];
  });
}
