/**
 * The database password rotated under a running API (as RDS rotates its managed master secret):
 * new connections re-read the secret when PostgreSQL refuses the old password, and on age. Needs a
 * server that checks passwords: the shared test server trusts 127.0.0.1, so the suite starts one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretPassword } from "../config/database";
import { startHarness, tx, type Harness } from "../api/testing/harness";
import { postgresClient, type SqlClient } from "../store/sql";
import { PostgresServer } from "../testing/servers";
import { describeWithPostgresBinaries } from "../testing/services";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fraud-api-db";

describe("SecretPassword", () => {
  it("re-reads the secret once it is 5 minutes old, or after a refusal (at most once a second), keeping the last password when a read fails", async () => {
    let now = 0;
    let secret = '{"username":"fraud_api","password":"one"}';
    let reads = 0;
    const read = async () => {
      reads++;
      if (secret === "fail") throw new Error("Secrets Manager unreachable");
      return secret;
    };
    const p = await SecretPassword.open(read, 300_000, () => now);
    expect([p.user, await p.current(), reads]).toEqual(["fraud_api", "one", 1]);
    secret = '{"username":"fraud_api","password":"two"}';
    now = 299_999;
    expect(await p.current()).toBe("one");
    now = 300_000;
    expect([await p.current(), reads]).toEqual(["two", 2]);
    secret = '{"username":"fraud_api","password":"three"}';
    p.refused();
    now += 500;
    expect(await p.current()).toBe("two");
    now += 500;
    expect([await p.current(), reads]).toEqual(["three", 3]);
    secret = "fail";
    p.refused();
    now += 1000;
    expect([await p.current(), reads]).toEqual(["three", 4]);
  });
});

describeWithPostgresBinaries("database password rotated under a running API", () => {
  const user = "rotated_api";
  let server: PostgresServer;
  let admin: SqlClient;
  let h: Harness;
  let password = "first-password-0123";
  let reads = 0;

  beforeAll(async () => {
    server = await PostgresServer.start({ passwordUsers: [user] });
    admin = postgresClient({ connectionString: server.url, max: 1 });
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await admin.query(`GRANT ALL ON SCHEMA public TO ${user}`);
    h = await startHarness({
      env: { DATABASE_HOST: "127.0.0.1", DATABASE_PORT: String(server.port), DATABASE_NAME: "postgres", DATABASE_SECRET_ARN: ARN },
      readSecret: async (arn) => {
        expect(arn).toBe(ARN);
        reads++;
        return JSON.stringify({ username: user, password });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await admin?.close();
    await server?.stop();
  });

  const stored = async (ids: string[]) =>
    Number(
      (await admin.query<{ n: string }>("SELECT count(*) AS n FROM decisions WHERE transaction_id = ANY($1::text[])", [ids])).rows[0].n,
    );

  it("writes decisions with the new password once the old one is refused, without a restart", async () => {
    const before = [tx(), tx()];
    for (const t of before) expect((await h.request("POST", "/v1/score", t)).status).toBe(200);
    await expect.poll(() => stored(before.map((t) => String(t.transactionId))), { timeout: 10_000 }).toBe(2);
    const readsBefore = reads;

    // rotation: the role's password and the secret change; open connections keep working, so they
    // are ended to make the pool log in again
    password = "second-password-4567";
    await admin.query(`ALTER ROLE ${user} PASSWORD '${password}'`);
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", [user]);

    const after = [tx(), tx(), tx()];
    for (const t of after) expect((await h.request("POST", "/v1/score", t)).status).toBe(200);
    await expect.poll(() => stored(after.map((t) => String(t.transactionId))), { timeout: 15_000 }).toBe(3);
    expect(reads).toBeGreaterThan(readsBefore);
    expect((await h.request("GET", `/v1/decisions/${String(after[0].transactionId)}`)).status).toBe(200);
  }, 60_000);
});
