import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { testDecision as decision } from "../testing/decision-fixtures";
import { DecisionLog } from "./decision-log";
import { migrate } from "./migrate";
import { MIGRATIONS } from "./migrations";
import { embeddedClient, postgresClient, type SqlClient } from "./sql";
import { TcpProxy } from "./tcp-proxy";

const VERSIONS = MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("decision log on embedded PGlite", () => {
  let sql: SqlClient;
  // initdb in wasm: over the 10 s default on a loaded machine
  beforeAll(async () => {
    sql = await embeddedClient();
  }, 60_000);
  afterAll(() => sql.close());

  it("migrates once, then finds nothing to do", async () => {
    expect(await migrate(sql)).toEqual({ applied: VERSIONS, current: VERSIONS.at(-1) });
    expect(await migrate(sql)).toEqual({ applied: [], current: VERSIONS.at(-1) });
  });

  it("writes behind, reads back with the same fields, and ignores a second write of an id", async () => {
    const log = new DecisionLog(sql, { capacity: 10, lingerMs: 1 });
    expect(log.reserve(2)).toBe(true);
    log.append(decision("e-1"));
    log.append(decision("e-1", { score: 0.9 }));
    expect(await log.get("e-1")).toEqual(decision("e-1"));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    expect(log.buffered).toBe(0);
    expect(log.getInMemory("e-1")).toEqual(decision("e-1"));
    expect(await log.get("e-1")).toEqual(decision("e-1"));
    const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM decisions");
    expect(rows[0].n).toBe(1);
  });

  it("sets aside a decision PostgreSQL refuses and writes the rest of its batch", async () => {
    const refused: string[] = [];
    const log = new DecisionLog(sql, {
      capacity: 10,
      lingerMs: 1,
      onDeadLetter: (d, _err, stored) => refused.push(`${d.transactionId} ${stored}`),
    });
    log.reserve(10);
    for (let i = 0; i < 10; i++) log.append(decision(`e-dl-${i}`, i === 6 ? { occurredAt: Date.parse("0000-01-01T00:00:00Z") } : {}));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    expect(refused).toEqual(["e-dl-6 true"]);
    const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM decisions WHERE transaction_id LIKE 'e-dl-%'");
    expect(rows[0].n).toBe(9);
    const dead = await sql.query<{ transaction_id: string; sqlstate: string }>(
      "SELECT transaction_id, sqlstate FROM decisions_dead_letter",
    );
    expect(dead.rows).toEqual([{ transaction_id: "e-dl-6", sqlstate: "22008" }]);
  });

  it("keeps feedback in report order", async () => {
    const log = new DecisionLog(sql, { capacity: 10 });
    expect(await log.recordFeedback({ transactionId: "e-f", label: "legit", reportedAt: 2000 })).toEqual({
      label: "legit",
      reportedAt: 2000,
    });
    expect(await log.recordFeedback({ transactionId: "e-f", label: "fraud", reportedAt: 1000 })).toEqual({
      label: "legit",
      reportedAt: 2000,
    });
    expect(await log.recordFeedback({ transactionId: "e-f", label: "fraud", reportedAt: 3000 })).toEqual({
      label: "fraud",
      reportedAt: 3000,
    });
  });

  it("getMany finds the stored ones among many ids, buffered or written, in one query", async () => {
    const log = new DecisionLog(sql, { capacity: 10, lingerMs: 1 });
    log.reserve(2);
    log.append(decision("m-1"));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    log.append(decision("m-2", { score: 0.5 }));
    const found = await log.getMany(["m-0", "m-1", "m-2", "m-3"]);
    expect([...found.keys()].sort()).toEqual(["m-1", "m-2"]);
    expect(found.get("m-1")).toEqual(decision("m-1"));
    expect(found.get("m-2")?.score).toBe(0.5);
    expect((await log.getMany(["nothing"])).size).toBe(0);
    await log.drain(Date.now() + 5000);
  });
});

describeWithPostgres("decision log on PostgreSQL", (databaseUrl) => {
  const schema = uniqueTestName("dlog");
  const proxy = TcpProxy.forUrl(databaseUrl, 5432);
  let direct: SqlClient;
  let viaProxy: SqlClient;

  beforeAll(async () => {
    await proxy.start();
    direct = postgresClient({ connectionString: databaseUrl, max: 2 });
    viaProxy = postgresClient({ connectionString: proxy.proxied(databaseUrl), max: 2, connectionTimeoutMillis: 500 });
  });
  afterAll(async () => {
    await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.close();
    await viaProxy.close().catch(() => undefined);
    await proxy.close();
  });

  it("two migrators racing apply each migration exactly once", async () => {
    const other = postgresClient({ connectionString: databaseUrl, max: 1 });
    const results = await Promise.all([migrate(direct, schema), migrate(other, schema)]);
    await other.close();
    expect(results.map((r) => r.applied).flat()).toEqual(VERSIONS);
    expect(results.every((r) => r.current === VERSIONS.at(-1))).toBe(true);
    const { rows } = await direct.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'decisions' ORDER BY ordinal_position",
      [schema],
    );
    expect(rows.map((r) => r.column_name)).toEqual([
      "transaction_id",
      "occurred_at",
      "card_id",
      "merchant_id",
      "amount",
      "currency",
      "merchant_category",
      "country",
      "channel",
      "score",
      "decision",
      "model_version",
      "degraded",
      "reasons",
      "created_at",
      "challenger_mode",
      "champion_version",
      "champion_score",
      "champion_decision",
      "challenger_version",
      "challenger_score",
      "challenger_decision",
    ]);
  });

  it("batches many decisions into few inserts", async () => {
    const log = new DecisionLog(direct, { schema, capacity: 5000, batchSize: 1000 });
    expect(log.reserve(2500)).toBe(true);
    for (let i = 0; i < 2500; i++) log.append(decision(`b-${i}`, { amount: i + 0.5 }));
    expect(await log.drain(Date.now() + 10_000)).toEqual([]);
    const { rows } = await direct.query<{ n: number; s: string }>(
      `SELECT count(*)::int AS n, sum(amount)::text AS s FROM "${schema}".decisions WHERE transaction_id LIKE 'b-%'`,
    );
    expect(rows[0]).toEqual({ n: 2500, s: "3125000.0" }); // numeric keeps the cents exactly
  });

  it("writes with COPY; a batch holding an id already stored keeps the stored one and loses none of the rest", async () => {
    const calls: string[] = [];
    const counted: SqlClient = {
      ...direct,
      query: (text, params) => (calls.push(text.trim().split(/\s/)[0]), direct.query(text, params)),
      copyIn: (statement, rows, timeoutMs) => (calls.push("COPY"), direct.copyIn!(statement, rows, timeoutMs)),
    };
    const first = new DecisionLog(counted, { schema, capacity: 10 });
    first.reserve(1);
    first.append(decision("c-1", { score: 0.1 }));
    expect(await first.drain(Date.now() + 5000)).toEqual([]);
    // another replica (or a retry after a lost acknowledgement) writes c-1 again with new ones
    const second = new DecisionLog(counted, { schema, capacity: 10 });
    second.reserve(3);
    for (const d of [decision("c-2"), decision("c-1", { score: 0.9 }), decision("c-3")]) second.append(d);
    expect(await second.drain(Date.now() + 5000)).toEqual([]);
    // the second batch's COPY failed on c-1 and went through the insert that skips stored ids
    expect(calls).toEqual(["COPY", "COPY", "INSERT"]);
    const { rows } = await direct.query<{ id: string; score: number }>(
      `SELECT transaction_id AS id, score FROM "${schema}".decisions WHERE transaction_id LIKE 'c-%' ORDER BY 1`,
    );
    expect(rows).toEqual([
      { id: "c-1", score: 0.1 },
      { id: "c-2", score: 0.25 },
      { id: "c-3", score: 0.25 },
    ]);
  });

  it("one decision PostgreSQL refuses among 999 good ones: the 999 are written, it is set aside in the dead-letter table", async () => {
    const refused: { id: string; err: unknown; stored: boolean }[] = [];
    const log = new DecisionLog(direct, {
      schema,
      capacity: 2000,
      batchSize: 1000,
      retryMaxMs: 100,
      onDeadLetter: (d, err, stored) => refused.push({ id: d.transactionId, err, stored }),
    });
    // one of the batch already stored (a replay): the split batches skip it as the whole one would
    log.reserve(1);
    log.append(decision("dl-3", { score: 0.1 }));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    // year 0, past validation: PostgreSQL refuses it, in COPY and in INSERT alike
    const poison = decision("dl-517", { occurredAt: Date.parse("0000-01-01T00:00:00Z") });
    expect(log.reserve(1000)).toBe(true);
    for (let i = 0; i < 1000; i++) log.append(i === 517 ? poison : decision(`dl-${i}`));
    expect(await log.drain(Date.now() + 10_000)).toEqual([]);
    const { rows } = await direct.query<{ n: number; stored: number }>(
      `SELECT count(*)::int AS n, max(score) FILTER (WHERE transaction_id = 'dl-3') AS stored FROM "${schema}".decisions WHERE transaction_id LIKE 'dl-%'`,
    );
    expect(rows[0]).toEqual({ n: 999, stored: 0.1 });
    expect(refused.map((r) => [r.id, r.stored])).toEqual([["dl-517", true]]);
    const dead = await direct.query<{ transaction_id: string; record: string; error: string; sqlstate: string }>(
      `SELECT transaction_id, record, error, sqlstate FROM "${schema}".decisions_dead_letter`,
    );
    expect(dead.rows).toEqual([
      { transaction_id: "dl-517", record: JSON.stringify(poison), error: expect.stringMatching(/out of range/), sqlstate: "22008" },
    ]);
    expect(JSON.parse(dead.rows[0].record)).toEqual(poison);
  });

  it("a decision the dead-letter table refuses too is handed to onDeadLetter only, and the rest is written", async () => {
    const refused: string[] = [];
    const log = new DecisionLog(direct, {
      schema,
      capacity: 10,
      lingerMs: 1,
      onDeadLetter: (d, _err, stored) => refused.push(`${JSON.stringify(d.transactionId)} ${stored}`),
    });
    log.reserve(3);
    // a NUL: no PostgreSQL text column holds one, the dead letter's neither
    for (const id of ["nul-1", "nul-\u0000", "nul-3"]) log.append(decision(id));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    expect(refused).toEqual(['"nul-\\u0000" false']);
    const { rows } = await direct.query<{ id: string }>(
      `SELECT transaction_id AS id FROM "${schema}".decisions WHERE transaction_id LIKE 'nul-%' ORDER BY 1`,
    );
    expect(rows.map((r) => r.id)).toEqual(["nul-1", "nul-3"]);
  });

  it("round-trips backslashes, quotes, tabs and newlines, and absent optional fields", async () => {
    const log = new DecisionLog(direct, { schema, capacity: 10 });
    const odd = decision('x\\N\\t"q"', {
      cardId: "c\\\\1",
      currency: undefined,
      channel: undefined,
      reasons: [{ feature: "amount", value: 1, contribution: 0.5, description: 'tab\there\nnew "line" \\ back' }],
    });
    log.reserve(1);
    log.append(odd);
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    const { currency, channel, ...rest } = odd;
    expect([currency, channel]).toEqual([undefined, undefined]);
    expect(await log.get(odd.transactionId)).toEqual(rest);
  });

  it("round-trips a challenger's scores through COPY and through the insert, and none when there was no challenger", async () => {
    const log = new DecisionLog(direct, { schema, capacity: 10 });
    const challenger = {
      mode: "ab" as const,
      championVersion: "v1",
      championScore: 0.125,
      championDecision: "approve" as const,
      challengerVersion: "v2",
      challengerScore: 0.875,
      challengerDecision: "decline" as const,
    };
    const both = decision("ch-1", { modelVersion: "v2", score: 0.875, decision: "decline", challenger });
    log.reserve(2);
    log.append(both);
    log.append(decision("ch-2"));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    const fresh = new DecisionLog(direct, { schema, capacity: 10 });
    expect(await fresh.get("ch-1")).toEqual(both);
    expect((await fresh.get("ch-2"))?.challenger).toBeUndefined();
    expect(await fresh.insertMissing([decision("ch-3", { challenger: { ...challenger, mode: "shadow" } })])).toEqual(["ch-3"]);
    expect((await fresh.get("ch-3"))?.challenger).toEqual({ ...challenger, mode: "shadow" });
  });

  it("buffers while PostgreSQL is unreachable, refuses past capacity, and writes all when it is back", async () => {
    const states: boolean[] = [];
    const log = new DecisionLog(viaProxy, { schema, capacity: 3, lingerMs: 1, retryMaxMs: 100, onStateChange: (ok) => states.push(ok) });
    await proxy.cut();
    expect(log.reserve(3)).toBe(true);
    for (const id of ["p-1", "p-2", "p-3"]) log.append(decision(id));
    expect(log.reserve(1)).toBe(false);
    await until(() => states.includes(false));
    expect(log.buffered).toBe(3);
    expect((await log.get("p-2"))?.transactionId).toBe("p-2");
    await proxy.restore();
    await until(() => log.buffered === 0);
    expect(states).toEqual([false, true]);
    const { rows } = await direct.query<{ id: string }>(
      `SELECT transaction_id AS id FROM "${schema}".decisions WHERE transaction_id LIKE 'p-%' ORDER BY 1`,
    );
    expect(rows.map((r) => r.id)).toEqual(["p-1", "p-2", "p-3"]);
    expect(log.reserve(3)).toBe(true);
  });

  it("answers recently written decisions from memory while PostgreSQL is unreachable, not one another process stored first", async () => {
    // another replica stored r-2 first, with its own decision
    await new DecisionLog(direct, { schema, capacity: 1 }).insertMissing([decision("r-2", { decision: "decline", score: 0.9 })]);
    const log = new DecisionLog(viaProxy, { schema, capacity: 10, lingerMs: 1, recentCapacity: 1 });
    log.reserve(3);
    for (const id of ["r-1", "r-2", "r-3"]) log.append(decision(id));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    await proxy.cut();
    try {
      expect(await log.getMany(["r-3"])).toEqual(new Map([["r-3", decision("r-3")]]));
      // one kept: r-1 made room for r-3; r-2 was never kept (stored by the other process)
      await expect(log.getMany(["r-1"])).rejects.toThrow();
      await expect(log.get("r-2")).rejects.toThrow();
    } finally {
      await proxy.restore();
    }
    expect((await log.get("r-2"))?.decision).toBe("decline");
    expect(await log.get("r-1")).toEqual(decision("r-1"));
  });

  it("drain gives back what it could not write before the deadline", async () => {
    const log = new DecisionLog(viaProxy, { schema, capacity: 3, lingerMs: 1, retryMaxMs: 50 });
    await proxy.cut();
    log.reserve(1);
    log.append(decision("lost-1"));
    const left = await log.drain(Date.now() + 300);
    expect(left.map((d) => d.transactionId)).toEqual(["lost-1"]);
    await proxy.restore();
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
  });

  it("getMany reads written decisions by id in one query", async () => {
    const log = new DecisionLog(direct, { schema, capacity: 10 });
    log.reserve(2);
    log.append(decision("g-1"));
    log.append(decision("g-2", { decision: "review", score: 0.6 }));
    expect(await log.drain(Date.now() + 5000)).toEqual([]);
    const found = await log.getMany(["g-2", "g-none", "g-1"]);
    expect(found).toEqual(
      new Map([
        ["g-1", decision("g-1")],
        ["g-2", decision("g-2", { decision: "review", score: 0.6 })],
      ]),
    );
  });

  it("stores feedback in report order: a later label replaces an earlier one, an earlier one arriving late does not", async () => {
    const log = new DecisionLog(direct, { schema, capacity: 10 });
    const at = (day: number) => Date.parse(`2024-03-0${day}T00:00:00Z`);
    expect(await log.recordFeedback({ transactionId: "f-1", label: "legit", reportedAt: at(2) })).toEqual({
      label: "legit",
      reportedAt: at(2),
    });
    expect(await log.recordFeedback({ transactionId: "f-1", label: "fraud", reportedAt: at(3) })).toEqual({
      label: "fraud",
      reportedAt: at(3),
    });
    // a delayed or retried report from before: the fraud label at day 3 stands
    expect(await log.recordFeedback({ transactionId: "f-1", label: "legit", reportedAt: at(2) })).toEqual({
      label: "fraud",
      reportedAt: at(3),
    });
    // the same report again (a retry) is what stands
    expect(await log.recordFeedback({ transactionId: "f-1", label: "fraud", reportedAt: at(3) })).toEqual({
      label: "fraud",
      reportedAt: at(3),
    });
    // at equal times legit stands, as in the feature stores
    expect(await log.recordFeedback({ transactionId: "f-1", label: "legit", reportedAt: at(3) })).toEqual({
      label: "legit",
      reportedAt: at(3),
    });
    expect(await log.recordFeedback({ transactionId: "f-1", label: "fraud", reportedAt: at(3) })).toEqual({
      label: "legit",
      reportedAt: at(3),
    });
    const { rows } = await direct.query<{ label: string; reported_at: Date }>(`SELECT label, reported_at FROM "${schema}".feedback`);
    expect(rows).toEqual([{ label: "legit", reported_at: new Date("2024-03-03T00:00:00Z") }]);
    await expect(
      direct.query(`INSERT INTO "${schema}".feedback (transaction_id, label, reported_at) VALUES ('x', 'maybe', now())`),
    ).rejects.toThrow(/check constraint/);
  });
});
