/**
 * The workloads' own database roles, so that no running process holds the master user's rights:
 * `api` (the API and the stream worker: write and read decisions, store labels, set aside refused
 * decisions) and `trainer` (read decisions and labels). The migration command creates them (run as
 * the master user) with the name and password of their Secrets Manager secrets, and grants exactly
 * this; run again, it sets the password from the secret again (how a rotated secret reaches
 * PostgreSQL). Idempotent and serialised like the migrations.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { schemaPrefix, type SqlClient } from "./sql";

export interface RoleCredentials {
  readonly username: string;
  readonly password: string;
}

export type Workload = "api" | "trainer";

/** Table privileges per workload; `s` qualifies table names. Anything not listed is refused. */
export function roleGrants(workload: Workload, s: string): string[] {
  if (workload === "trainer") return [`GRANT SELECT ON ${s}decisions, ${s}feedback TO %R`];
  return [
    `GRANT SELECT, INSERT ON ${s}decisions TO %R`,
    // labels are upserted (ON CONFLICT DO UPDATE, which also reads the row)
    `GRANT SELECT, INSERT, UPDATE ON ${s}feedback TO %R`,
    // written, never read back by the API: the operator reads it as the master user
    `GRANT INSERT ON ${s}decisions_dead_letter TO %R`,
    // to see at start that the schema is current (the migration itself runs as the master user)
    `GRANT SELECT ON ${s}schema_migrations TO %R`,
    // the analyst console (served by the API) records who did what; the audit is append-only
    `GRANT SELECT, INSERT ON ${s}console_audit TO %R`,
  ];
}

function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new Error(`invalid database role name ${JSON.stringify(name)}: lower-case letters, digits and _`);
  return `"${name}"`;
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802, as psql's \password sends
 * it): the server, its statement log and its error messages never see the password itself.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** Creates or updates each role given, with its grants on the tables in `schema` (default: public). */
export async function ensureRoles(sql: SqlClient, roles: Partial<Record<Workload, RoleCredentials>>, schema?: string): Promise<string[]> {
  const s = schemaPrefix(schema); // validates the name used below
  const schemaName = schema === undefined ? "public" : schema;
  const done: string[] = [];
  await sql.transaction(async (q) => {
    // pods start together: CREATE ROLE would race on the catalog
    await q.query("SELECT pg_advisory_xact_lock(hashtext('fraud-platform:roles'))");
    for (const [workload, creds] of Object.entries(roles) as [Workload, RoleCredentials | undefined][]) {
      if (!creds) continue;
      const role = ident(creds.username);
      const exists = (await q.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [creds.username])).rows.length > 0;
      // a verifier is hex and base64 only: nothing in it needs quoting
      const password = scramVerifier(creds.password);
      await q.query(`${exists ? "ALTER" : "CREATE"} ROLE ${role} WITH LOGIN PASSWORD '${password}'`);
      // exactly the list: a privilege dropped from it is revoked on the next run
      await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA "${schemaName}" FROM ${role}`);
      await q.query(`GRANT USAGE ON SCHEMA "${schemaName}" TO ${role}`);
      for (const grant of roleGrants(workload, s)) await q.query(grant.replace("%R", role));
      done.push(creds.username);
    }
  });
  return done;
}
