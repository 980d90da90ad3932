/**
 * Challengers through the API against the real Redis and PostgreSQL: in shadow the client gets the
 * champion's answer only while the log records both; in A/B the challenger answers for its share of
 * cards, the same cards every time; swapping either model under load drops no request.
 */
import Redis from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { challenger } from "../registry/registry";
import { cardBucket } from "../serving/challenger";
import { postgresClient, type SqlClient } from "../store/sql";
import { testModelJson, testVersionFiles } from "../testing/model-fixtures";
import { describeWithPostgres, describeWithRedis, uniqueTestName } from "../testing/services";
import { START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

const CHAMPION_SCORE = 1 / (1 + Math.exp(3)); // v1 on a card without history: the low leaf, -3
const DECLINER = { low: 3, mid: 3, high: 3 }; // scores 0.95 whatever the transaction
const RESPONSE_KEYS = ["decision", "degraded", "modelVersion", "reasons", "score", "transactionId"];

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

describeWithPostgres("challengers through the API with PostgreSQL", (databaseUrl) => {
  describeWithRedis("and Redis", (redisUrl) => {
    const schema = uniqueTestName("challenger");
    const prefix = `${uniqueTestName("challenger")}:`;
    let h: Harness;
    let sql: SqlClient;
    const run = uniqueTestName("card");

    beforeAll(async () => {
      h = await startHarness({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }, schema, redisKeyPrefix: prefix });
      for (const v of ["v2", "v3"]) await h.registry.putVersion(v, testVersionFiles(v, {}, testModelJson(DECLINER)));
      sql = postgresClient({ connectionString: databaseUrl, max: 1 });
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await h?.close();
      const redis = new Redis(redisUrl);
      await deleteKeys(redis, prefix);
      redis.disconnect();
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.close();
      // SCAN over a Redis shared with other runs is slow on a loaded machine
    }, 60_000);

    const score = (body: Record<string, unknown>) => h.request("POST", "/v1/score", body);
    const drained = () => h.api.runtime.decisions.drain(Date.now() + 10_000);

    it("in shadow, answers with the champion only and logs the challenger's score and decision beside it", async () => {
      await h.registry.setChallenger(challenger("v2", "shadow", undefined), "test");
      await h.api.runtime.models.poll();
      expect(await h.metric('fraud_challenger_info{version="v2",mode="shadow"}')).toBe(0);
      const bodies = Array.from({ length: 40 }, (_, i) => tx({ cardId: `${run}-shadow-${i}` }));
      const answers = await Promise.all(bodies.map(score));
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(Object.keys(a.json).sort()).toEqual(RESPONSE_KEYS);
        expect(a.json).toMatchObject({ modelVersion: "v1", decision: "approve", score: expect.closeTo(CHAMPION_SCORE, 9) });
        expect(a.text).not.toMatch(/v2|challenger/);
      }
      // the decision read back later does not show it either
      const read = await h.request("GET", `/v1/decisions/${encodeURIComponent(String(bodies[0].transactionId))}`);
      expect(read.status).toBe(200);
      expect(read.text).not.toMatch(/v2|challenger/);
      expect(await drained()).toEqual([]);
      const { rows } = await sql.query<Record<string, unknown>>(
        `SELECT model_version, score, challenger_mode, champion_version, champion_score, champion_decision,
                challenger_version, challenger_score, challenger_decision
         FROM "${schema}".decisions WHERE transaction_id = ANY($1::text[])`,
        [bodies.map((b) => b.transactionId)],
      );
      expect(rows).toHaveLength(40);
      for (const r of rows) {
        expect(r).toMatchObject({
          model_version: "v1",
          challenger_mode: "shadow",
          champion_version: "v1",
          champion_decision: "approve",
          challenger_version: "v2",
          challenger_decision: "decline",
        });
        expect(r.champion_score).toBeCloseTo(CHAMPION_SCORE, 9);
        expect(r.challenger_score).toBeCloseTo(1 / (1 + Math.exp(-3)), 9);
      }
    });

    it("in A/B, the challenger answers for its share of cards within tolerance, the same cards every time", async () => {
      await h.registry.setChallenger(challenger("v2", "ab", 0.2), "test");
      await h.api.runtime.models.poll();
      const cards = Array.from({ length: 1500 }, (_, i) => `${run}-ab-${i}`);
      const versionOf = async (round: number) => {
        const out = new Map<string, string>();
        for (let i = 0; i < cards.length; i += 100) {
          const chunk = cards.slice(i, i + 100);
          const answers = await Promise.all(chunk.map((cardId) => score(tx({ cardId, transactionId: `${cardId}-r${round}` }))));
          answers.forEach((a, j) => {
            expect(a.status).toBe(200);
            out.set(chunk[j], a.json.modelVersion);
            // the answering model's own decision
            expect(a.json.decision).toBe(a.json.modelVersion === "v2" ? "decline" : "approve");
          });
        }
        return out;
      };
      const first = await versionOf(1);
      const share = [...first.values()].filter((v) => v === "v2").length / cards.length;
      // 4 standard deviations of a binomial(1500, 0.2): 0.041
      expect(Math.abs(share - 0.2)).toBeLessThan(0.041);
      for (const [card, v] of first) expect(v).toBe(cardBucket(card) < 0.2 ? "v2" : "v1");
      expect(await versionOf(2)).toEqual(first);
      expect(await drained()).toEqual([]);
      const { rows } = await sql.query<{ served: string; n: number; both: number }>(
        `SELECT model_version AS served, count(*)::int AS n,
                count(*) FILTER (WHERE champion_version = 'v1' AND challenger_version = 'v2' AND challenger_mode = 'ab')::int AS both
         FROM "${schema}".decisions WHERE card_id LIKE $1 GROUP BY 1 ORDER BY 1`,
        [`${run}-ab-%`],
      );
      // every row holds both answers, whichever was served
      expect(rows.every((r) => r.both === r.n)).toBe(true);
      expect(rows.reduce((n, r) => n + r.n, 0)).toBe(2 * cards.length);
    }, 120_000);

    it("drops no request while the challenger and the champion are swapped under load", async () => {
      let stop = false;
      const statuses: number[] = [];
      const versions = new Set<string>();
      const load = async (worker: number) => {
        for (let i = 0; !stop; i++) {
          const a = await score(tx({ cardId: `${run}-swap-${worker}-${i % 50}` }));
          statuses.push(a.status);
          versions.add(a.json?.modelVersion);
        }
      };
      const workers = Array.from({ length: 8 }, (_, w) => load(w));
      const step = async (change: () => Promise<unknown>) => {
        await change();
        await h.api.runtime.models.poll();
        await new Promise((r) => setTimeout(r, 150));
      };
      await step(() => h.registry.setChallenger(challenger("v2", "ab", 0.5), "swap"));
      await step(() => h.registry.setChallenger(challenger("v3", "ab", 0.5), "another challenger"));
      await step(() => h.registry.setChallenger(challenger("v3", "shadow", undefined), "to shadow"));
      await step(() => h.registry.promote("v2", "new champion"));
      await step(() => h.registry.promote("v3", "the challenger wins"));
      expect((await h.registry.readManifest()).challenger).toBeUndefined();
      await step(() => h.registry.rollback("back"));
      stop = true;
      await Promise.all(workers);
      expect(statuses.length).toBeGreaterThan(50);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect([...versions].sort()).toEqual(["v1", "v2", "v3"]);
      expect(h.api.runtime.models.challenger).toBeUndefined();
      expect(h.api.runtime.models.current?.version).toBe("v2");
    }, 60_000);
  });
});
