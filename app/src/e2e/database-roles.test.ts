/**
 * The workloads' database roles in a real PostgreSQL that checks passwords (a server of the
 * suite's own: the shared test server trusts 127.0.0.1 and its roles are shared by every suite).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, tx } from "../api/testing/harness";
import { testDecision } from "../testing/decision-fixtures";
import { PostgresServer } from "../testing/servers";
import { describeWithPostgresBinaries } from "../testing/services";
import { DecisionLog } from "../store/decision-log";
import { migrate } from "../store/migrate";
import { MIGRATIONS } from "../store/migrations";
import { ensureRoles, scramVerifier } from "../store/roles";
import { postgresClient, type SqlClient } from "../store/sql";

describe("scramVerifier", () => {
  it("is RFC 5802's: the StoredKey and ServerKey of RFC 7677's SCRAM-SHA-256 example (password 'pencil')", () => {
    const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
    expect(scramVerifier("pencil", salt, 4096)).toBe(
      "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
    );
  });
});

describeWithPostgresBinaries("per-workload database roles", () => {
  const api = { username: "fraud_api", password: "api-password-0123456789" };
  const trainer = { username: "fraud_trainer", password: "trainer-password-0123456789" };
  let server: PostgresServer;
  let admin: SqlClient;
  const clients: SqlClient[] = [];
  const as = (creds: { username: string; password: string }) => {
    const c = postgresClient({
      host: "127.0.0.1",
      port: server.port,
      database: "postgres",
      user: creds.username,
      password: creds.password,
      max: 1,
    });
    clients.push(c);
    return c;
  };
  const sqlstate = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (err: { code?: string }) => err.code,
    );

  beforeAll(async () => {
    server = await PostgresServer.start({ passwordUsers: [api.username, trainer.username] });
    admin = postgresClient({ connectionString: server.url, max: 1 });
    await migrate(admin);
    expect(await ensureRoles(admin, { api, trainer })).toEqual(["fraud_api", "fraud_trainer"]);
    await admin.query("INSERT INTO decisions_dead_letter (transaction_id, record, error) VALUES ('dead-1', '{}', 'refused')");
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await admin?.close();
    await server?.stop();
  });

  it("the API role writes and reads decisions and labels, sets decisions aside, and sees the schema is current", async () => {
    const db = as(api);
    const log = new DecisionLog(db, { capacity: 10 });
    expect(await log.insertMissing([testDecision("role-1")])).toEqual(["role-1"]);
    expect((await log.get("role-1"))?.decision).toBe("approve");
    const fb = { transactionId: "role-1", label: "fraud" as const, reportedAt: Date.parse("2024-03-02T00:00:00Z") };
    expect(await log.recordFeedback(fb)).toEqual({ label: "fraud", reportedAt: fb.reportedAt });
    expect(await log.recordFeedback({ ...fb, label: "legit", reportedAt: fb.reportedAt + 1 })).toEqual({
      label: "legit",
      reportedAt: fb.reportedAt + 1,
    });
    expect(
      await sqlstate(
        db.query("INSERT INTO decisions_dead_letter (transaction_id, record, error) VALUES ('dead-2', '{}', 'x') ON CONFLICT DO NOTHING"),
      ),
    ).toBe("ok");
    // the console's audit: appended and read, never changed
    expect(await sqlstate(db.query("INSERT INTO console_audit (actor, role, action) VALUES ('ana', 'analyst', 'login')"))).toBe("ok");
    expect(await sqlstate(db.query("SELECT actor FROM console_audit"))).toBe("ok");
    expect(await migrate(db)).toEqual({ applied: [], current: Math.max(...MIGRATIONS.map((m) => m.version)) });
    await log.close();
  });

  it("the API role cannot drop, delete, create, read the dead letters or grant itself more", async () => {
    const db = as(api);
    // 42501: insufficient_privilege
    for (const statement of [
      "DROP TABLE decisions",
      "DELETE FROM decisions",
      "TRUNCATE feedback",
      "UPDATE decisions SET decision = 'approve'",
      "SELECT * FROM decisions_dead_letter",
      "CREATE TABLE mine (x int)",
      "ALTER TABLE decisions ADD COLUMN x int",
      "INSERT INTO schema_migrations (version, name) VALUES (99, 'x')",
      "UPDATE console_audit SET actor = 'someone else'",
      "DELETE FROM console_audit",
    ]) {
      expect([statement, await sqlstate(db.query(statement))]).toEqual([statement, "42501"]);
    }
    expect(await sqlstate(db.query("CREATE ROLE other LOGIN"))).toBe("42501");
  });

  it("the trainer role reads decisions and labels, and nothing else", async () => {
    const db = as(trainer);
    const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM decisions d LEFT JOIN feedback f USING (transaction_id)");
    expect(Number(rows[0].n)).toBeGreaterThan(0);
    for (const statement of [
      "INSERT INTO feedback (transaction_id, label, reported_at) VALUES ('t', 'fraud', now())",
      "DELETE FROM decisions",
      "SELECT * FROM decisions_dead_letter",
    ]) {
      expect([statement, await sqlstate(db.query(statement))]).toEqual([statement, "42501"]);
    }
  });

  it("run again with a rotated secret: the new password logs in, the old one no longer does, grants unchanged", async () => {
    const rotated = { ...trainer, password: "trainer-password-rotated-42" };
    expect(await ensureRoles(admin, { trainer: rotated })).toEqual(["fraud_trainer"]);
    expect(await sqlstate(as(rotated).query("SELECT 1 FROM decisions LIMIT 1"))).toBe("ok");
    expect(await sqlstate(as(trainer).query("SELECT 1"))).toBe("28P01");
    expect(await sqlstate(as(rotated).query("DELETE FROM decisions"))).toBe("42501");
  });

  it("the API logs in as its role from its secret and scores, decisions written", async () => {
    const h = await startHarness({
      env: {
        DATABASE_HOST: "127.0.0.1",
        DATABASE_PORT: String(server.port),
        DATABASE_NAME: "postgres",
        DATABASE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:api-db",
      },
      readSecret: async () => JSON.stringify(api),
    });
    try {
      const t = tx();
      expect((await h.request("POST", "/v1/score", t)).status).toBe(200);
      const id = String(t.transactionId);
      await expect
        .poll(async () => (await admin.query("SELECT 1 FROM decisions WHERE transaction_id = $1", [id])).rows.length, { timeout: 10_000 })
        .toBe(1);
      expect(
        (await h.request("POST", "/v1/feedback", { transactionId: id, label: "fraud", reportedAt: new Date().toISOString() })).status,
      ).toBe(200);
    } finally {
      await h.close();
    }
  }, 60_000);
});
