/**
 * One poison transaction (a year PostgreSQL cannot store) among 999 good ones, through the HTTP API
 * and through the stream worker's pipeline, into a real PostgreSQL: the poison is refused (400, or
 * skipped as invalid) and the 999 are all in the decisions table.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startHarness, START_TIMEOUT_MS, tx, type Harness } from "../api/testing/harness";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { scoringPipeline } from "../worker/testing/scoring-pipeline";
import { DecisionLog } from "../store/decision-log";
import { migrate } from "../store/migrate";
import { postgresClient, type SqlClient } from "../store/sql";

const POISON_AT = 517;
const POISON_TIME = "0000-01-01T00:00:00Z";

describeWithPostgres("one poison transaction among 999 good ones", (databaseUrl) => {
  const schema = uniqueTestName("poison999");
  let sql: SqlClient;
  let h: Harness;

  beforeAll(async () => {
    sql = postgresClient({ connectionString: databaseUrl, max: 2 });
    await migrate(sql, schema);
    h = await startHarness({ env: { DATABASE_URL: databaseUrl }, schema });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await h?.close();
    await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.close();
  });

  const stored = async (ids: readonly string[]) =>
    (
      await sql.query<{ id: string }>(`SELECT transaction_id AS id FROM "${schema}".decisions WHERE transaction_id = ANY($1::text[])`, [
        ids,
      ])
    ).rows
      .map((r) => r.id)
      .sort();

  it("through the HTTP API: 999 answered 200 and in PostgreSQL, the poison 400 and not", async () => {
    const txs = Array.from({ length: 1000 }, (_, i) =>
      tx({ transactionId: `http-${schema}-${i}`, ...(i === POISON_AT ? { timestamp: POISON_TIME } : {}) }),
    );
    const statuses: number[] = [];
    for (let i = 0; i < txs.length; i += 50)
      statuses.push(...(await Promise.all(txs.slice(i, i + 50).map(async (t) => (await h.request("POST", "/v1/score", t)).status))));
    expect(statuses.filter((s) => s === 200)).toHaveLength(999);
    expect(statuses[POISON_AT]).toBe(400);
    const good = txs
      .filter((_, i) => i !== POISON_AT)
      .map((t) => String(t.transactionId))
      .sort();
    await expect.poll(async () => (await stored(good)).length, { timeout: 15_000 }).toBe(999);
    expect(await stored([String(txs[POISON_AT].transactionId)])).toEqual([]);
  }, 60_000);

  it("through the stream worker's pipeline: 999 produced and in PostgreSQL, the poison skipped and committed past", async () => {
    const decisions = new DecisionLog(postgresClient({ connectionString: databaseUrl, max: 2 }), { schema, capacity: 10_000 });
    const { adapter, pipeline } = await scoringPipeline(decisions, 100);
    const run = pipeline.run();
    const ids = Array.from({ length: 1000 }, (_, i) => `stream-${schema}-${i}`);
    adapter.push(
      ...ids.map((id, i) => ({
        partition: i % 3,
        offset: BigInt(i),
        value: JSON.stringify({
          transactionId: id,
          timestamp: i === POISON_AT ? POISON_TIME : "2024-03-01T10:00:00Z",
          cardId: `c${i % 7}`,
          merchantId: "m",
          amount: 10 + i,
        }),
      })),
    );
    // every partition committed up to its last message (997, 998, 999), the poison's (517 % 3 = 1) included
    const allCommitted = () => ["0:999", "1:997", "2:998"].every((c) => adapter.commits.includes(c));
    await expect.poll(allCommitted, { timeout: 15_000 }).toBe(true);
    expect(adapter.produced).toHaveLength(999);
    await pipeline.stop();
    await run;
    expect(await decisions.drain(Date.now() + 10_000)).toEqual([]);
    await decisions.close();
    const good = ids.filter((_, i) => i !== POISON_AT);
    expect(await stored(good)).toEqual([...good].sort());
    expect(await stored([ids[POISON_AT]])).toEqual([]);
    expect(adapter.produced.map((r) => r.key)).not.toContain(ids[POISON_AT]);
  }, 60_000);
});
