/**
 * The API on its embedded defaults (PGlite, in-process feature store and rate limit), over HTTP:
 * every endpoint, auth, validation, idempotency, rate limit, feedback and hot model swap.
 */
import { writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testModelJson, testVersionFiles } from "../testing/model-fixtures";
import { parseTransaction } from "../serving/validate";
import { OTHER_KEY, START_TIMEOUT_MS, startHarness, TEST_KEY, tx, type Harness } from "./testing/harness";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe("fraud API on embedded defaults", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { BATCH_MAX: "5", RATE_LIMIT_PER_MINUTE: "0" } });
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  it("answers liveness, readiness, OpenAPI and the docs page", async () => {
    expect((await h.request("GET", "/healthz")).json).toEqual({ status: "ok" });
    const ready = await h.request("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: "ready", checks: { model: "ok (v1)", postgres: "ok" } });
    const spec = (await h.request("GET", "/openapi.json")).json;
    expect(spec.openapi).toBe("3.1.0");
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(["/v1/score", "/v1/score/batch", "/v1/feedback", "/v1/decisions/{transactionId}"]),
    );
    expect(spec.paths["/v1/score/batch"].post.requestBody.content["application/json"].schema.properties.transactions.maxItems).toBe(5);
    // Swagger UI, its assets served by the API itself (no CDN), under a CSP that allows nothing else
    const docs = await h.request("GET", "/docs");
    expect(docs.headers.get("content-type")).toMatch(/text\/html/);
    expect(docs.headers.get("content-security-policy")).toMatch(/default-src 'none'; script-src 'self';/);
    expect(docs.text).not.toMatch(/https?:\/\//);
    const assets = [...docs.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets).toContain("/docs/static/swagger-ui-bundle.js");
    for (const asset of assets) expect((await h.request("GET", asset)).status, asset).toBe(200);
    expect((await h.request("GET", "/docs/json")).json.paths).toEqual(spec.paths);
  });

  it("says 404 for unknown routes and 405 with Allow for a wrong method", async () => {
    expect((await h.request("GET", "/nope")).status).toBe(404);
    // metrics are served on METRICS_PORT only, not on the public listener
    expect((await h.request("GET", "/metrics")).status).toBe(404);
    expect(await h.metric("fraud_model_loaded")).toBe(1);
    const r = await h.request("GET", "/v1/score");
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("POST");
    expect((await h.request("DELETE", "/healthz")).status).toBe(405);
  });

  it("requires a valid API key on /v1", async () => {
    const missing = await h.request("POST", "/v1/score", tx(), { "X-API-Key": "" });
    expect(missing.status).toBe(401);
    expect(missing.json.message).toBe("missing X-API-Key header");
    const wrong = await h.request("POST", "/v1/score", tx(), { "X-API-Key": "not-a-key-at-all-1234" });
    expect(wrong.status).toBe(401);
    expect(wrong.json.message).toBe("invalid API key");
    expect((await h.request("POST", "/v1/score", tx(), { "X-API-Key": OTHER_KEY })).status).toBe(200);
    // two X-API-Key headers (fetch would merge them): refused, not one of them picked
    const twice = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = JSON.stringify(tx());
      const req = httpRequest(
        {
          port: h.api.port,
          method: "POST",
          path: "/v1/score",
          headers: [
            "Host",
            "localhost",
            "Content-Type",
            "application/json",
            "X-API-Key",
            OTHER_KEY,
            "x-api-key",
            TEST_KEY,
            "Content-Length",
            String(Buffer.byteLength(body)),
          ],
        },
        (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect(twice.status).toBe(401);
    expect(JSON.parse(twice.body).message).toBe("more than one X-API-Key header");
  });

  it("rejects bad input with precise 4xx messages and records nothing", async () => {
    const before = await h.metric('fraud_decisions_total{decision="approve"}');
    const malformed = await h.request("POST", "/v1/score", '{"transactionId": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe("malformed_json");
    const wrongTypes = await h.request("POST", "/v1/score", tx({ amount: "12", cardId: 7 }));
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.json.problems).toEqual([
      { path: "cardId", message: "must be a string, got number" },
      { path: "amount", message: "must be a number, got string" },
    ]);
    const negative = await h.request("POST", "/v1/score", tx({ amount: -5 }));
    expect(negative.json.problems).toEqual([{ path: "amount", message: "must be at least 0.01, got -5" }]);
    const unknown = await h.request("POST", "/v1/score", tx({ merchantCategroy: "5411" }));
    expect(unknown.json.problems[0].path).toBe("merchantCategroy");
    expect(unknown.json.problems[0].message).toMatch(/^unknown field/);
    const badEnum = await h.request("POST", "/v1/score", tx({ channel: "phone", timestamp: "2024-03-05 14:00" }));
    expect(badEnum.json.problems.map((p: { path: string }) => p.path)).toEqual(["timestamp", "channel"]);
    expect((await h.request("POST", "/v1/score", "[]")).json.message).toBe("must be an object, got array");
    const notJson = await h.request("POST", "/v1/score", JSON.stringify(tx()), { "Content-Type": "text/plain" });
    expect(notJson.status).toBe(415);
    const big = await h.request("POST", "/v1/score", JSON.stringify({ ...tx(), pad: "x".repeat(h.cfg.maxBodyBytes) }));
    expect(big.status).toBe(413);
    const batch = await h.request("POST", "/v1/score/batch", { transactions: Array.from({ length: 6 }, () => tx()) });
    expect(batch.status).toBe(400);
    expect(batch.json.problems).toEqual([
      { path: "transactions", message: "holds 6 transactions; the maximum per batch is 5 (BATCH_MAX)" },
    ]);
    const badItem = await h.request("POST", "/v1/score/batch", { transactions: [tx(), tx({ amount: 0 })] });
    expect(badItem.json.problems).toEqual([{ path: "transactions[1].amount", message: "must be at least 0.01, got 0" }]);
    expect(await h.metric('fraud_decisions_total{decision="approve"}')).toBe(before);
  });

  it("refuses poison inputs with a 400 naming the field, and stores nothing of them", async () => {
    const before = await h.metric('fraud_decisions_total{decision="approve"}');
    const expectProblem = (r: { status: number; json: any }, path: string, message: string | RegExp) => {
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        error: "invalid_request",
        message: expect.any(String),
        problems: [{ path, message: expect.stringMatching(message) }],
      });
    };
    const poisoned: string[] = [];
    const score = (over: Record<string, unknown>) => {
      const t = tx(over);
      poisoned.push(String(t.transactionId));
      return h.request("POST", "/v1/score", t);
    };
    // times PostgreSQL cannot store: year 0, also through an offset, and past 9999
    expectProblem(await score({ timestamp: "0000-01-01T00:00:00Z" }), "timestamp", /^is before 2000-01-01T00:00:00Z/);
    expectProblem(await score({ timestamp: "0001-01-01T00:30:00+01:00" }), "timestamp", /^is before 2000-01-01T00:00:00Z/);
    expectProblem(await score({ timestamp: "10000-01-01T00:00:00Z" }), "timestamp", /^must be ISO 8601 with a UTC offset/);
    expectProblem(await score({ timestamp: "2024-03-05T14:00:00+15:00" }), "timestamp", /^has a UTC offset beyond ±14:00$/);
    expectProblem(await score({ amount: 5e-324 }), "amount", /^must be at least 0.01, got 5e-324$/);
    const badBatch = await h.request("POST", "/v1/score/batch", { transactions: [tx(), tx({ timestamp: "0000-01-01T00:00:00Z" })] });
    expectProblem(badBatch, "transactions[1].timestamp", /^is before/);
    // a label at a time PostgreSQL refuses: 400 (it was a 503 with Retry-After, retried forever)
    const label = await h.request("POST", "/v1/feedback", {
      transactionId: "fb-year-0",
      label: "fraud",
      reportedAt: "0000-01-01T00:00:00Z",
    });
    expectProblem(label, "reportedAt", /^is before 2000-01-01T00:00:00Z/);
    expect(label.headers.get("retry-after")).toBeNull();
    // a key twice: refused rather than the last one silently taken
    const twice = JSON.stringify(tx()).replace(/}$/, ', "amount": 0.5}');
    expectProblem(await h.request("POST", "/v1/score", twice), "amount", /^appears more than once in its object$/);
    // a field nested deeper than the stack (6k levels here, within BATCH_MAX 5's body limit): a 400
    // with a short message (it was a 500, a stack overflow)
    const deep = JSON.stringify(tx({ channel: undefined })).replace(/}$/, `, "channel": ${"[".repeat(6000)}${"]".repeat(6000)}}`);
    const nested = await h.request("POST", "/v1/score", deep);
    expectProblem(nested, `channel${"[0]".repeat(15)}`, /^nests deeper than 16 levels$/);
    expect(nested.text.length).toBeLessThan(300);
    // a charset other than utf-8 would be decoded as utf-8 anyway: refused; utf-8 spelt any way is fine
    const latin1 = await h.request("POST", "/v1/score", tx(), { "Content-Type": "application/json; charset=latin1" });
    expect(latin1.status).toBe(415);
    expect(latin1.json).toEqual({ error: "unsupported_media_type", message: 'Content-Type charset must be utf-8, got "latin1"' });
    for (const type of ["application/json; charset=utf-8", 'application/json;charset="UTF-8"', "application/json; charset=utf8"]) {
      expect((await h.request("POST", "/v1/score", tx(), { "Content-Type": type })).status).toBe(200);
    }
    for (const id of poisoned) expect((await h.request("GET", `/v1/decisions/${id}`)).status).toBe(404);
    expect(await h.metric('fraud_decisions_total{decision="approve"}')).toBe(before + 3);
  });

  it("answers requests node:http cannot parse in the API's JSON error format", async () => {
    const raw = (request: string) =>
      new Promise<{ status: number; type: string | undefined; body: string }>((resolve, reject) => {
        const socket = connect(h.api.port, "127.0.0.1", () => socket.end(request));
        let text = "";
        socket.on("data", (c: Buffer) => (text += c.toString()));
        socket.on("error", reject);
        socket.on("close", () => {
          const [head, body] = text.split("\r\n\r\n");
          resolve({ status: Number(head.split(" ")[1]), type: /content-type: ([^\r]*)/i.exec(head)?.[1], body });
        });
      });
    const body = JSON.stringify(tx());
    const headers = `Host: localhost\r\nX-API-Key: ${TEST_KEY}\r\nContent-Type: application/json\r\n`;
    const crInHeader = await raw(`POST /v1/score HTTP/1.1\r\n${headers}X-Note: a\rb\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const bothLengths = await raw(
      `POST /v1/score HTTP/1.1\r\n${headers}Content-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`,
    );
    for (const r of [crInHeader, bothLengths]) {
      expect(r.status).toBe(400);
      expect(r.type).toBe("application/json; charset=utf-8");
      expect(JSON.parse(r.body)).toEqual({ error: "bad_request", message: expect.stringMatching(/^malformed HTTP request: /) });
    }
  });

  it("scores, stores, and returns the stored decision for a repeated transactionId without counting it twice", async () => {
    const t = tx({ amount: 50 });
    const first = await h.request("POST", "/v1/score", t);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ transactionId: t.transactionId, decision: "approve", modelVersion: "v1", degraded: false });
    expect(first.json.score).toBeCloseTo(sigmoid(-3), 12);
    const counted = await h.metric('fraud_decisions_total{decision="approve"}');
    const again = await Promise.all([h.request("POST", "/v1/score", { ...t, amount: 5000 }), h.request("POST", "/v1/score", t)]);
    for (const r of again) expect(r.json).toEqual(first.json);
    expect(await h.metric('fraud_decisions_total{decision="approve"}')).toBe(counted);
    const got = await h.request("GET", `/v1/decisions/${encodeURIComponent(String(t.transactionId))}`);
    expect(got.json).toMatchObject({ ...first.json, timestamp: "2024-03-05T14:00:00.000Z", label: null });
    expect((await h.request("GET", "/v1/decisions/never-seen")).status).toBe(404);
  });

  it("computes history features end to end: a card's amount against its 30-day mean", async () => {
    const card = `card-${Date.now()}`;
    await h.request("POST", "/v1/score", tx({ cardId: card, amount: 100, timestamp: "2024-03-01T10:00:00Z" }));
    await h.request("POST", "/v1/score", tx({ cardId: card, amount: 300, timestamp: "2024-03-10T10:00:00Z" }));
    // mean over the 30 days before = (100 + 300) / 2 = 200; 1500 / 200 = 7.5 >= 5 -> the "high" leaf
    const r = await h.request("POST", "/v1/score", tx({ cardId: card, amount: 1500, timestamp: "2024-03-20T10:00:00Z" }));
    expect(r.json.decision).toBe("decline");
    expect(r.json.score).toBeCloseTo(sigmoid(3), 12);
    expect(r.json.reasons[0]).toMatchObject({
      feature: "amount_to_card_mean_30d",
      value: 7.5,
      description: "amount is 7.5x the card's mean over the last 30 days",
    });
    // 40 days later the window is empty again: ratio missing, amount >= 1000 -> the middle leaf
    const later = await h.request("POST", "/v1/score", tx({ cardId: card, amount: 1500, timestamp: "2024-05-01T10:00:00Z" }));
    expect(later.json).toMatchObject({ decision: "review", score: 0.5 });
  });

  it("scores a batch in order, same card seeing the earlier one", async () => {
    const card = `batch-card-${Date.now()}`;
    const txs = [
      tx({ cardId: card, amount: 100, timestamp: "2024-03-01T10:00:00Z" }),
      tx({ cardId: card, amount: 900, timestamp: "2024-03-01T11:00:00Z" }),
    ];
    const r = await h.request("POST", "/v1/score/batch", { transactions: txs });
    expect(r.status).toBe(200);
    expect(r.json.decisions.map((d: { transactionId: string; decision: string }) => [d.transactionId, d.decision])).toEqual([
      [txs[0].transactionId, "approve"],
      [txs[1].transactionId, "decline"],
    ]);
  });

  it("stores feedback; a fraud label reaches the feature store's delayed merchant windows", async () => {
    const t = tx({ merchantId: `m-${Date.now()}` });
    await h.request("POST", "/v1/score", t);
    const r = await h.request("POST", "/v1/feedback", {
      transactionId: t.transactionId,
      label: "fraud",
      reportedAt: "2024-03-06T00:00:00Z",
    });
    expect(r.json).toEqual({ transactionId: t.transactionId, stored: true, featuresUpdated: true });
    const unknown = await h.request("POST", "/v1/feedback", { transactionId: "never-scored", label: "fraud" });
    expect(unknown.json).toMatchObject({ stored: true, featuresUpdated: false });
    expect((await h.request("POST", "/v1/feedback", { transactionId: "x", label: "maybe" })).json.problems).toEqual([
      { path: "label", message: 'must be one of fraud, legit, got "maybe"' },
    ]);
    const { rows } = await h.api.runtime.sql.query<{ label: string }>("SELECT label FROM feedback WHERE transaction_id = $1", [
      t.transactionId,
    ]);
    expect(rows).toEqual([{ label: "fraud" }]);
    // a transaction at the merchant 8 days on, its delayed windows reaching the labelled day:
    // 1 known fraud among 1 transaction
    const next = parseTransaction(tx({ merchantId: t.merchantId, timestamp: "2024-03-13T00:00:00Z" }), Date.parse("2024-03-14T00:00:00Z"));
    const seen = await h.api.runtime.featureStore.observe(next);
    expect(seen.snapshot.merchantDelayedFrauds).toEqual([1, 1, 1, 1]);
    // reversed: a legit label replaces the stored one and withdraws the fraud from the features
    const legit = await h.request("POST", "/v1/feedback", { transactionId: t.transactionId, label: "legit" });
    expect(legit.json).toEqual({ transactionId: t.transactionId, stored: true, featuresUpdated: true });
    const relabelled = await h.api.runtime.sql.query<{ label: string }>("SELECT label FROM feedback WHERE transaction_id = $1", [
      t.transactionId,
    ]);
    expect(relabelled.rows).toEqual([{ label: "legit" }]);
    expect((await h.request("GET", `/v1/decisions/${String(t.transactionId)}`)).json.label).toEqual({
      label: "legit",
      reportedAt: expect.stringMatching(/^\d{4}-.*Z$/),
    });
    const later = parseTransaction(tx({ merchantId: t.merchantId, timestamp: "2024-03-13T01:00:00Z" }), Date.parse("2024-03-14T00:00:00Z"));
    expect((await h.api.runtime.featureStore.observe(later)).snapshot.merchantDelayedFrauds).toEqual([0, 0, 0, 0]);
    // the fraud report retried after its reversal: superseded, in the table and in the features
    const retried = await h.request("POST", "/v1/feedback", {
      transactionId: t.transactionId,
      label: "fraud",
      reportedAt: "2024-03-06T00:00:00Z",
    });
    expect(retried.json).toEqual({
      transactionId: t.transactionId,
      stored: false,
      featuresUpdated: false,
      note: expect.stringMatching(/^superseded: the legit label reported at \d{4}-.*Z stands$/),
    });
    expect((await h.api.runtime.sql.query("SELECT label FROM feedback WHERE transaction_id = $1", [t.transactionId])).rows).toEqual([
      { label: "legit" },
    ]);
    const after = parseTransaction(tx({ merchantId: t.merchantId, timestamp: "2024-03-13T02:00:00Z" }), Date.parse("2024-03-14T00:00:00Z"));
    expect((await h.api.runtime.featureStore.observe(after)).snapshot.merchantDelayedFrauds).toEqual([0, 0, 0, 0]);
  });

  it("swaps to a newly promoted model, and refuses a broken one while the old one keeps serving", async () => {
    await h.registry.putVersion("v2", testVersionFiles("v2", {}, testModelJson({ low: -1, mid: 0, high: 3 })));
    await h.registry.promote("v2", "test");
    await h.api.runtime.models.poll();
    const r = await h.request("POST", "/v1/score", tx({ amount: 10 }));
    expect(r.json).toMatchObject({ modelVersion: "v2" });
    expect(r.json.score).toBeCloseTo(sigmoid(-1), 12);
    expect(await h.metric('fraud_model_info{version="v2"}')).toBe(1);
    expect(await h.metric('fraud_model_info{version="v1"}')).toBe(0);

    // A version whose model.json got corrupted after it was registered.
    await h.registry.putVersion("v3", testVersionFiles("v3"));
    writeFileSync(join(h.registryDir, "models", "v3", "model.json"), "{ not json");
    await h.registry.promote("v3", "test");
    const failures = await h.metric("fraud_model_load_failures_total");
    await h.api.runtime.models.poll();
    await h.api.runtime.models.poll(); // refused once, not retried until the manifest changes
    expect(await h.metric("fraud_model_load_failures_total")).toBe(failures + 1);
    expect((await h.request("POST", "/v1/score", tx())).json.modelVersion).toBe("v2");
    expect(await h.metric("fraud_model_loaded")).toBe(1);
  });
});
