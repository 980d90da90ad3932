/**
 * The console's HTTP API in the running API, against real PostgreSQL and Redis: sign-in, roles,
 * CSRF, the label through the feedback path (feedback table, GET /v1/decisions/:id, the Redis
 * feature store), the audit trail, the page's security headers.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { START_TIMEOUT_MS, startHarness, type Harness } from "../api/testing/harness";
import { DAY_MS } from "../domain/time";
import { parseTransaction } from "../serving/validate";
import { testDecision } from "../testing/decision-fixtures";
import { describeWithPostgres, describeWithRedis, uniqueTestName } from "../testing/services";
import { ConsoleClient } from "../console/testing/console-client";

const USERS = JSON.stringify({
  users: [
    { name: "ana", role: "analyst", password: "ana-password-123" },
    { name: "vic", role: "viewer", password: "vic-password-123" },
  ],
  sessionKey: "a-session-key-of-at-least-32-characters",
});

describeWithPostgres("console API", (databaseUrl) => {
  describeWithRedis("with Redis features", (redisUrl) => {
    const schema = uniqueTestName("console_api");
    const prefix = `${uniqueTestName("console_api")}:`;
    let h: Harness;
    let base: string;
    const now = Date.now();
    // 7.5 days old: inside every delayed merchant window (label delay 7 days) of a transaction now
    const review = testDecision(`cons-${now}-1`, {
      occurredAt: now - (now % 1000) - 7.5 * DAY_MS,
      merchantId: `m-${now}`,
      score: 0.4,
      decision: "review",
    });
    const other = testDecision(`cons-${now}-2`, {
      occurredAt: now - (now % 1000) - DAY_MS,
      merchantId: `m-${now}`,
      score: 0.3,
      decision: "review",
    });

    beforeAll(async () => {
      h = await startHarness({
        env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, CONSOLE_USERS: USERS },
        schema,
        redisKeyPrefix: prefix,
      });
      base = `http://127.0.0.1:${h.api.port}`;
      await h.api.runtime.decisions.insertMissing([review, other]);
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await h?.api.runtime.sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await h?.close();
    });

    const audit = async (action: string) =>
      (
        await h.api.runtime.sql.query<{ actor: string; before: unknown; after: unknown }>(
          `SELECT actor, before, after FROM "${schema}".console_audit WHERE action = $1 ORDER BY id`,
          [action],
        )
      ).rows;

    it("serves the page with a strict Content-Security-Policy", async () => {
      const res = await fetch(`${base}/console/queue?sort=riskiest`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/);
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(await res.text()).toContain('<script defer src="/console/assets/app.js">');
      const js = await fetch(`${base}/console/assets/app.js`);
      expect(js.headers.get("content-type")).toMatch(/javascript/);
      expect((await js.text()).length).toBeGreaterThan(10_000);
    }, 60_000);

    it("refuses a wrong password and anything without a session, and audits the attempt", async () => {
      const c = new ConsoleClient(base);
      expect((await c.login("ana", "wrong-password-1")).status).toBe(401);
      expect((await c.login("nobody", "whatever-password")).status).toBe(401);
      expect((await c.call("GET", "/console/api/queue")).status).toBe(401);
      expect((await c.call("GET", "/console/api/session", undefined, { Cookie: "fraud_console=forged.sig" })).status).toBe(401);
      expect((await audit("login_failed")).map((r) => r.actor)).toEqual(["ana", "nobody"]);
      // an API key is not a console login
      expect((await c.call("GET", "/console/api/queue", undefined, { "X-API-Key": "test-key-0123456789abcdef" })).status).toBe(401);
    });

    it("signs in with an HttpOnly, Secure, SameSite=Strict cookie and lists the queue", async () => {
      const c = new ConsoleClient(base);
      const r = await c.login("ana", "ana-password-123");
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ user: "ana", role: "analyst" });
      expect(r.headers.get("set-cookie")).toMatch(
        /^fraud_console=[^;]+; Path=\/console; HttpOnly; Secure; SameSite=Strict; Max-Age=28800$/,
      );
      const q = await c.call("GET", "/console/api/queue?sort=riskiest");
      expect(q.json.items.map((i: { transactionId: string }) => i.transactionId)).toEqual([review.transactionId, other.transactionId]);
      expect((await c.call("GET", "/console/api/queue?sort=sideways")).status).toBe(400);
      // the schemas refuse what no console page sends
      expect((await c.call("GET", "/console/api/queue?colour=red")).json.error).toBe("invalid_request");
      expect((await c.call("POST", "/console/api/login", { user: "ana", password: "ana-password-123", admin: true })).status).toBe(400);
      const form = await fetch(`${base}/console/api/login`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: "user=ana",
      });
      expect(form.status).toBe(415);
      // the console is not part of the scoring API's document
      expect(Object.keys((await h.request("GET", "/openapi.json")).json.paths).filter((p) => p.startsWith("/console"))).toEqual([]);
    });

    it("a viewer reads but cannot label", async () => {
      const v = new ConsoleClient(base);
      await v.login("vic", "vic-password-123");
      expect((await v.call("GET", `/console/api/decisions/${review.transactionId}`)).json.transactionId).toBe(review.transactionId);
      const r = await v.label(review.transactionId, { label: "fraud" });
      expect(r.status).toBe(403);
      expect(r.json.error).toBe("forbidden");
    });

    it("refuses a label without the session's CSRF token", async () => {
      const c = new ConsoleClient(base);
      await c.login("ana", "ana-password-123");
      const other = new ConsoleClient(base);
      await other.login("ana", "ana-password-123");
      expect((await c.label(review.transactionId, { label: "fraud" }, null)).json.error).toBe("csrf");
      expect((await c.label(review.transactionId, { label: "fraud" }, other.csrfToken)).status).toBe(403);
      expect(
        (await h.api.runtime.sql.query(`SELECT 1 FROM "${schema}".feedback WHERE transaction_id = $1`, [review.transactionId])).rows,
      ).toEqual([]);
    });

    it("labels through the feedback path: stored, in GET /v1/decisions/:id and the features, audited, out of the queue", async () => {
      const c = new ConsoleClient(base);
      await c.login("ana", "ana-password-123");
      const r = await c.label(review.transactionId, { label: "fraud", note: "card reported stolen" });
      expect(r.json).toEqual({ transactionId: review.transactionId, stored: true, featuresUpdated: true });
      const api = await h.request("GET", `/v1/decisions/${review.transactionId}`);
      expect(api.json.label).toMatchObject({ label: "fraud" });
      const next = parseTransaction(
        { transactionId: "probe", timestamp: new Date(now + 60_000).toISOString(), cardId: "c", merchantId: review.merchantId, amount: 1 },
        now + 120_000,
      );
      expect((await h.api.runtime.featureStore.observe(next)).snapshot.merchantDelayedFrauds).toEqual([1, 1, 1, 1]);
      const q = await c.call("GET", "/console/api/queue");
      expect(q.json.items.map((i: { transactionId: string }) => i.transactionId)).toEqual([other.transactionId]);
      const detail = await c.call("GET", `/console/api/decisions/${review.transactionId}`);
      expect(detail.json.label).toMatchObject({ label: "fraud", by: "ana", note: "card reported stolen" });
      expect(await audit("label")).toEqual([
        {
          actor: "ana",
          before: null,
          after: expect.objectContaining({ label: "fraud", note: "card reported stolen", stored: true, featuresUpdated: true }),
        },
      ]);
      // relabelled legit: the audit keeps what stood before
      await c.label(review.transactionId, { label: "legit" });
      expect((await audit("label"))[1]).toMatchObject({ before: { label: "fraud" }, after: { label: "legit" } });
      expect((await c.label("never-scored", { label: "fraud" })).status).toBe(404);
      expect((await c.label(other.transactionId, { label: "maybe" })).status).toBe(400);
    });

    it("overview: today's counts and the production model with its report link", async () => {
      const c = new ConsoleClient(base);
      await c.login("vic", "vic-password-123");
      const o = await c.call("GET", "/console/api/overview?hours=720");
      expect(o.json.totals.review).toBe(2);
      expect(o.json.model).toEqual({ version: "v1", reportUrl: "/console/reports/v1/index.html" });
      expect((await c.call("GET", "/console/api/overview?hours=5")).status).toBe(400);
    });
  });
});
