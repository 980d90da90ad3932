/**
 * The API against the real Redis and PostgreSQL: features and idempotency across replicas, the
 * shared rate limit, fraud labels in Redis, the degraded path (Redis unreachable, and Redis cut and
 * restored: repeats and the backfill) and the buffered path (PostgreSQL cut and restored), both
 * cut through a TCP proxy.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { TcpProxy } from "../store/tcp-proxy";
import { decodeMerchant, TRANSACTION_ID_BYTES, writeTransactionId } from "../features/redis-layout";
import { describeWithPostgres, describeWithRedis, uniqueTestName } from "../testing/services";
import { postgresClient, type SqlClient } from "../store/sql";
import { OTHER_KEY, START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** SQLSTATE undefined_table: the API migrates in the background, so a loaded machine may query before it has. */
const notMigratedYet = (err: unknown): boolean => (err as { code?: string }).code === "42P01";

async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  const check = async (): Promise<boolean> => {
    try {
      return await cond();
    } catch (err) {
      if (notMigratedYet(err) && Date.now() <= end) return false;
      throw err;
    }
  };
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

describeWithPostgres("fraud API with PostgreSQL", (databaseUrl) => {
  describeWithRedis("and Redis", (redisUrl) => {
    const schema = uniqueTestName("api");
    const prefix = `${uniqueTestName("api")}:`;
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, RATE_LIMIT_PER_MINUTE: "0" };
    let a: Harness;
    let b: Harness;
    let redis: Redis;
    let sql: SqlClient;

    beforeAll(async () => {
      a = await startHarness({ env, schema, redisKeyPrefix: prefix });
      b = await startHarness({ env, schema, redisKeyPrefix: prefix });
      redis = new Redis(redisUrl);
      sql = postgresClient({ connectionString: databaseUrl, max: 1 });
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.close();
    });

    it("is ready with both servers reachable", async () => {
      expect((await a.request("GET", "/readyz")).json).toEqual({
        status: "ready",
        checks: { model: "ok (v1)", postgres: "ok", redis: "ok" },
      });
    });

    it("computes history features from Redis on whichever replica scores", async () => {
      const card = `card-${Date.now()}`;
      await a.request("POST", "/v1/score", tx({ cardId: card, amount: 100, timestamp: "2024-03-01T10:00:00Z" }));
      await b.request("POST", "/v1/score", tx({ cardId: card, amount: 300, timestamp: "2024-03-10T10:00:00Z" }));
      const r = await a.request("POST", "/v1/score", tx({ cardId: card, amount: 1500, timestamp: "2024-03-20T10:00:00Z" }));
      expect(r.json).toMatchObject({ decision: "decline", degraded: false });
      expect(r.json.score).toBeCloseTo(sigmoid(3), 12);
      expect(r.json.reasons[0]).toMatchObject({ feature: "amount_to_card_mean_30d", value: 7.5 });
      await until(
        async () =>
          (await sql.query(`SELECT 1 FROM "${schema}".decisions WHERE transaction_id = $1`, [r.json.transactionId])).rows.length === 1,
      );
    });

    it("scores a transactionId once when two replicas race on it", async () => {
      const before =
        (await a.metric('fraud_decisions_total{decision="approve"}')) + (await b.metric('fraud_decisions_total{decision="approve"}'));
      const t = tx({ amount: 20 });
      const replies = await Promise.all([a, b, a, b, a, b].map((h) => h.request("POST", "/v1/score", t)));
      for (const r of replies) {
        expect(r.status).toBe(200);
        expect(r.json).toEqual(replies[0].json);
      }
      const after =
        (await a.metric('fraud_decisions_total{decision="approve"}')) + (await b.metric('fraud_decisions_total{decision="approve"}'));
      expect(after - before).toBe(1);
      await until(
        async () => (await sql.query(`SELECT 1 FROM "${schema}".decisions WHERE transaction_id = $1`, [t.transactionId])).rows.length === 1,
      );
      // once written and out of both buffers, the stored decision still comes back
      expect((await b.request("POST", "/v1/score", t)).json).toEqual(replies[0].json);
      expect((await b.request("GET", `/v1/decisions/${t.transactionId}`)).json).toMatchObject(replies[0].json);
    });

    it("answers a repeat with its stored decision after Redis lost its keys, and counts it once", async () => {
      const counted = async () => {
        let n = 0;
        for (const h of [a, b])
          for (const d of ["approve", "review", "decline"]) n += await h.metric(`fraud_decisions_total{decision="${d}"}`);
        return n;
      };
      const card = `card-${Date.now()}`;
      await a.request("POST", "/v1/score", tx({ cardId: card, amount: 100, timestamp: "2024-03-01T10:00:00Z" }));
      await a.request("POST", "/v1/score", tx({ cardId: card, amount: 300, timestamp: "2024-03-10T10:00:00Z" }));
      // scored on its card's history: scored again on an empty one, its answer would differ
      const t = tx({ cardId: card, amount: 1500, timestamp: "2024-03-20T10:00:00Z" });
      const first = await a.request("POST", "/v1/score", t);
      expect(first.json).toMatchObject({ decision: "decline", degraded: false });
      await until(() => a.api.runtime.decisions.buffered === 0);
      const before = await counted();

      // as Redis restarted without its data: this test's keys only
      await deleteKeys(redis, prefix);
      for (const h of [b, a]) expect((await h.request("POST", "/v1/score", t)).json).toEqual(first.json);
      expect(await counted()).toBe(before);
      const { rows } = await sql.query(`SELECT decision FROM "${schema}".decisions WHERE transaction_id = $1`, [t.transactionId]);
      expect(rows).toEqual([{ decision: "decline" }]);
    });

    it("records a fraud label in Redis: the merchant's hour and day buckets and the label standing", async () => {
      const t = tx({ merchantId: `m-${Date.now()}` });
      await a.request("POST", "/v1/score", t);
      const r = await b.request("POST", "/v1/feedback", {
        transactionId: t.transactionId,
        label: "fraud",
        reportedAt: "2024-03-06T00:00:00Z",
      });
      expect(r.json).toEqual({ transactionId: t.transactionId, stored: true, featuresUpdated: true });
      const hour = Math.floor(Date.parse(String(t.timestamp)) / 3_600_000);
      const day = Math.floor(hour / 24);
      const frauds = async () => {
        const m = decodeMerchant((await redis.getBuffer(`${prefix}merchant:${t.merchantId}`))!);
        // (key, count, frauds) triples
        const fraudsOf = (s: number[], key: number) => s.find((_, i) => i % 3 === 2 && s[i - 2] === key);
        return [fraudsOf(m.hours, hour), fraudsOf(m.days, day)];
      };
      expect(await frauds()).toEqual([1, 1]);
      expect(await redis.get(`${prefix}label:${t.transactionId}`)).toBe(`${Date.parse("2024-03-06T00:00:00Z")} fraud ${hour} ${day}`);
      const legit = await a.request("POST", "/v1/feedback", { transactionId: t.transactionId, label: "legit" });
      expect(legit.json).toEqual({ transactionId: t.transactionId, stored: true, featuresUpdated: true });
      expect(await frauds()).toEqual([0, 0]);
      expect(await redis.get(`${prefix}label:${t.transactionId}`)).toMatch(/ legit /);
    });
  });
});

describeWithPostgres("fraud API rate limit shared through Redis", (databaseUrl) => {
  describeWithRedis("two replicas", (redisUrl) => {
    const schema = uniqueTestName("rl");
    const prefix = `${uniqueTestName("rl")}:`;
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, RATE_LIMIT_PER_MINUTE: "4" };
    let a: Harness;
    let b: Harness;
    beforeAll(async () => {
      a = await startHarness({ env, schema, redisKeyPrefix: prefix });
      b = await startHarness({ env, schema, redisKeyPrefix: prefix });
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await a?.close();
      await b?.close();
      const redis = new Redis(redisUrl);
      await deleteKeys(redis, prefix);
      redis.disconnect();
      const sql = postgresClient({ connectionString: databaseUrl, max: 1 });
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.close();
    });

    it("admits the limit across replicas, not per replica", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? b : a).request("POST", "/v1/score", tx())).status);
      // 4 in any minute in total, also when a minute boundary passes during the loop
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect((await a.request("POST", "/v1/score", tx(), { "X-API-Key": OTHER_KEY })).status).toBe(200);
    });
  });
});

describeWithPostgres("fraud API with Redis unreachable", (databaseUrl) => {
  const schema = uniqueTestName("degraded");
  let h: Harness;
  beforeAll(async () => {
    // a port nothing listens on
    h = await startHarness({
      env: { DATABASE_URL: databaseUrl, REDIS_URL: "redis://127.0.0.1:1", FEATURE_STORE_TIMEOUT_MS: "100" },
      schema,
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await h?.close();
    const sql = postgresClient({ connectionString: databaseUrl, max: 1 });
    await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.close();
  });

  it("answers within its timeout with the features it can compute, degraded and counted", async () => {
    const before = await h.metric("fraud_degraded_total");
    const started = Date.now();
    const r = await h.request("POST", "/v1/score", tx({ amount: 1500 }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.status).toBe(200);
    // no history: the ratio is missing, the amount decides -> the middle leaf
    expect(r.json).toMatchObject({ decision: "review", score: 0.5, degraded: true });
    const batch = await h.request("POST", "/v1/score/batch", { transactions: [tx(), tx()] });
    expect(batch.json.decisions.map((d: { degraded: boolean }) => d.degraded)).toEqual([true, true]);
    expect(await h.metric("fraud_degraded_total")).toBe(before + 3);
    expect(await h.metric("fraud_feature_store_errors_total")).toBeGreaterThanOrEqual(1);
    // a repeat gets the same decision: degraded features depend on the transaction alone
    const t = tx({ amount: 1500 });
    const first = await h.request("POST", "/v1/score", t);
    await new Promise((resolve) => setTimeout(resolve, 50)); // out of the write-behind buffer
    expect((await h.request("POST", "/v1/score", t)).json).toEqual(first.json);
    const ready = await h.request("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.checks.redis).not.toBe("ok");
    // for probes: still serving (degraded), so not out of rotation
    const serving = await h.request("GET", "/readyz?dependencies=report");
    expect(serving.status).toBe(200);
    expect(serving.json.checks.redis).not.toBe("ok");
  });

  it("refuses to update features from a label while Redis is down, after storing the label", async () => {
    const t = tx();
    await h.request("POST", "/v1/score", t);
    const r = await h.request("POST", "/v1/feedback", { transactionId: t.transactionId, label: "fraud" });
    expect(r.status).toBe(503);
    expect(r.json.message).toMatch(/^label stored, but the feature store could not record it/);
  });
});

describeWithPostgres("fraud API with Redis cut and restored", (databaseUrl) => {
  describeWithRedis("through a proxy", (redisUrl) => {
    const schema = uniqueTestName("outage");
    const prefix = `${uniqueTestName("outage")}:`;
    const proxy = TcpProxy.forUrl(redisUrl, 6379);
    let h: Harness;
    let redis: Redis;
    beforeAll(async () => {
      await proxy.start();
      // a cut connection fails at once (no offline queue), so a generous deadline costs the outage nothing
      const env = {
        DATABASE_URL: databaseUrl,
        REDIS_URL: proxy.proxied(redisUrl),
        FEATURE_STORE_TIMEOUT_MS: "2000",
        RATE_LIMIT_PER_MINUTE: "0",
      };
      h = await startHarness({ env, schema, redisKeyPrefix: prefix });
      redis = new Redis(redisUrl);
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await proxy.restore().catch(() => undefined);
      await h?.close();
      await deleteKeys(redis, prefix);
      redis.disconnect();
      const sql = postgresClient({ connectionString: databaseUrl, max: 1 });
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.close();
      await proxy.close();
    });

    it("answers repeats as stored during the outage, and records its transactions in Redis when it is back", async () => {
      // with Redis answering (under a loaded CI run its first script call can be slow)
      await until(async () => (await h.request("POST", "/v1/score", tx())).json.degraded === false);
      const card = `card-${Date.now()}`;
      const before = tx({ cardId: card, amount: 100, timestamp: "2024-03-01T10:00:00Z" });
      const first = await h.request("POST", "/v1/score", before);
      expect(first.json.degraded).toBe(false);
      await until(() => h.api.runtime.decisions.buffered === 0);
      const counted = await h.metric('fraud_decisions_total{decision="approve"}');

      await proxy.cut();
      // a repeat from before the outage: its stored decision, not a degraded one, and not counted
      expect((await h.request("POST", "/v1/score", before)).json).toEqual(first.json);
      expect(await h.metric('fraud_decisions_total{decision="approve"}')).toBe(counted);
      const during = tx({ cardId: card, amount: 300, timestamp: "2024-03-10T10:00:00Z" });
      const scored = await h.request("POST", "/v1/score", during);
      expect(scored.json.degraded).toBe(true);
      expect(await h.metric("fraud_feature_backfill_size")).toBe(1);

      await proxy.restore();
      // the client reconnects and the breaker closes: other cards, so the test card's history stays as it was
      await until(async () => (await h.request("POST", "/v1/score", tx())).json.degraded === false);
      await until(async () => (await h.metric("fraud_feature_backfill_size")) === 0);
      // recorded on its card: its id is among the card's records
      const id = Buffer.alloc(TRANSACTION_ID_BYTES);
      writeTransactionId(String(during.transactionId), String(during.merchantId), id, 0);
      expect((await redis.getBuffer(`${prefix}card:${card}`))!.includes(id)).toBe(true);
      // the card's history has both: mean 200, so 1500 is 7.5x
      const after = await h.request("POST", "/v1/score", tx({ cardId: card, amount: 1500, timestamp: "2024-03-20T10:00:00Z" }));
      expect(after.json.reasons[0]).toMatchObject({ feature: "amount_to_card_mean_30d", value: 7.5 });
      // and the degraded one is a known duplicate now: its stored decision comes back
      expect((await h.request("POST", "/v1/score", during)).json).toEqual(scored.json);
      expect(await h.metric("fraud_feature_backfill_dropped_total")).toBe(0);
    });
  });
});

describeWithPostgres("fraud API with PostgreSQL cut and restored", (databaseUrl) => {
  const schema = uniqueTestName("buffered");
  const proxy = TcpProxy.forUrl(databaseUrl, 5432);
  let h: Harness;
  let direct: SqlClient;
  beforeAll(async () => {
    await proxy.start();
    h = await startHarness({ env: { DATABASE_URL: proxy.proxied(databaseUrl), DECISION_BUFFER_MAX: "6" }, schema });
    direct = postgresClient({ connectionString: databaseUrl, max: 1 });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h?.close();
    await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.close();
    await proxy.close();
  });

  it("buffers decisions, refuses past the bound with 503, and writes them all when PostgreSQL is back", async () => {
    await proxy.cut();
    const txs = Array.from({ length: 6 }, () => tx());
    for (const t of txs) expect((await h.request("POST", "/v1/score", t)).status).toBe(200);
    const got = await h.request("GET", `/v1/decisions/${txs[0].transactionId}`);
    expect(got.status).toBe(200);
    const full = await h.request("POST", "/v1/score", tx());
    expect(full.status).toBe(503);
    expect(full.json.message).toMatch(/decision buffer full/);
    expect(await h.metric("fraud_decision_buffer_rejections_total")).toBe(1);
    expect(await h.metric("fraud_decision_buffer_size")).toBe(6);
    expect((await h.request("GET", "/readyz")).json.checks.postgres).not.toBe("ok");
    // a batch that does not fit whole is refused whole
    expect((await h.request("POST", "/v1/score/batch", { transactions: [tx()] })).status).toBe(503);

    await proxy.restore();
    await until(() => h.api.runtime.decisions.buffered === 0);
    const { rows } = await direct.query<{ id: string }>(`SELECT transaction_id AS id FROM "${schema}".decisions`);
    expect(rows.map((r) => r.id).sort()).toEqual(txs.map((t) => String(t.transactionId)).sort());
    expect((await h.request("POST", "/v1/score", tx())).status).toBe(200);
  });
});
