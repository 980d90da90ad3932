/**
 * Everything behind the Kafka adapter, with a fake adapter: parse, score (the API's real scorer
 * over the in-memory feature store and the fixture model), produce, then commit.
 */
import { describe, expect, it } from "vitest";
import { DecisionLog } from "../store/decision-log";
import type { SqlClient } from "../store/sql";
import { readDecisionMessage } from "./decision-message";
import type { InboundMessage } from "./pipeline";
import { scoringPipeline } from "./testing/scoring-pipeline";

/** An in-memory stand-in for PostgreSQL's decisions table (the log's JSON batch insert and its lookup). */
function fakeSql(): SqlClient {
  const rows = new Map<string, Record<string, unknown>>();
  const sql: SqlClient = {
    async query<R>(text: string, params: unknown[] = []) {
      if (text.startsWith("INSERT")) {
        const inserted: { transaction_id: string }[] = [];
        for (const row of JSON.parse(params[0] as string) as Record<string, unknown>[]) {
          const id = row.transaction_id as string;
          if (rows.has(id)) continue;
          rows.set(id, row);
          inserted.push({ transaction_id: id });
        }
        return { rows: inserted as R[] };
      }
      // the decision log reads by ids: WHERE transaction_id = ANY($1)
      return { rows: (params[0] as string[]).flatMap((id) => rows.get(id) ?? []) as R[] };
    },
    transaction: <T>(fn: (q: SqlClient) => Promise<T>) => fn(sql),
    async close() {},
  };
  return sql;
}

async function setup() {
  const { adapter, pipeline, metrics } = await scoringPipeline(new DecisionLog(fakeSql(), { capacity: 1000, lingerMs: 1 }), 3);
  const counted = async (name: string) => {
    const line = (await metrics.registry.metrics()).split("\n").find((l) => l.startsWith(name + " "));
    return line ? Number(line.split(" ")[1]) : 0;
  };
  return { adapter, pipeline, counted };
}

const msg = (partition: number, offset: number, body: unknown): InboundMessage => ({
  partition,
  offset: BigInt(offset),
  value: typeof body === "string" ? body : JSON.stringify(body),
});

const tx = (id: string, card: string, amount: number, timestamp: string) => ({
  transactionId: id,
  timestamp,
  cardId: card,
  merchantId: "m",
  amount,
});

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("stream pipeline", () => {
  it("scores in order, produces decisions keyed by transactionId, then commits the last offset per partition", async () => {
    const { adapter, pipeline, counted } = await setup();
    const run = pipeline.run();
    adapter.push(
      msg(0, 10, tx("a", "card", 100, "2024-03-01T10:00:00Z")),
      msg(1, 7, "not json"),
      msg(0, 11, tx("b", "card", 900, "2024-03-01T11:00:00Z")), // 9x the card's mean -> decline
      msg(1, 8, { transactionId: "c" }),
    );
    await until(() => adapter.commits.length === 3);
    expect(adapter.produced.map((r) => [r.key, readDecisionMessage(r.value).decision])).toEqual([
      ["a", "approve"],
      ["b", "decline"],
    ]);
    // batches of at most 3: [a, not json, b] then [c without fields]
    expect(adapter.events).toEqual(["produced 2", "commit 0:11", "commit 1:7", "commit 1:8"]);
    expect(await counted('fraud_stream_messages_total{outcome="scored"}')).toBe(2);
    expect(await counted('fraud_stream_messages_total{outcome="invalid"}')).toBe(2);
    await pipeline.stop();
    await run;
  });

  it("commits nothing until the decisions are produced, retries, and counts a replayed transaction once", async () => {
    const { adapter, pipeline, counted } = await setup();
    adapter.produceFailures = 2;
    const run = pipeline.run();
    adapter.push(msg(0, 1, tx("x", "c1", 10, "2024-03-01T10:00:00Z")), msg(0, 2, tx("y", "c2", 10, "2024-03-01T10:00:00Z")));
    await until(() => adapter.commits.length === 1);
    expect(adapter.events).toEqual(["produce failed", "produce failed", "produced 2", "commit 0:2"]);
    // the same transaction delivered again (a replay after a crash): same decision, not counted again
    adapter.push(msg(0, 3, tx("x", "c1", 10, "2024-03-01T10:00:00Z")));
    await until(() => adapter.commits.length === 2);
    expect(adapter.produced.map((r) => r.key)).toEqual(["x", "y", "x"]);
    expect(adapter.produced[2].value).toBe(adapter.produced[0].value);
    expect(await counted('fraud_decisions_total{decision="approve"}')).toBe(2);
    expect(await counted("fraud_stream_batch_retries_total")).toBe(2);
    await pipeline.stop();
    await run;
  });

  it("skips and commits past poison messages as it does any invalid one: none is scored or reaches the decision log", async () => {
    const { adapter, pipeline, counted } = await setup();
    const run = pipeline.run();
    const good = tx("good", "c", 10, "2024-03-01T10:00:00Z");
    const poison = [
      tx("year-0", "c", 10, "0000-01-01T00:00:00Z"),
      tx("year-0-offset", "c", 10, "0001-01-01T00:30:00+01:00"),
      tx("year-10000", "c", 10, "10000-01-01T00:00:00Z"),
      tx("offset", "c", 10, "2024-03-01T10:00:00+15:00"),
      tx("tiny", "c", 5e-324, "2024-03-01T10:00:00Z"),
      JSON.stringify(tx("twice", "c", 10, "2024-03-01T10:00:00Z")).replace(/}$/, ', "amount": 99}'),
      JSON.stringify(tx("deep", "c", 10, "2024-03-01T10:00:00Z")).replace(/}$/, `, "channel": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`),
    ];
    adapter.push(...poison.map((p, i) => msg(0, i, p)), msg(0, poison.length, good));
    await until(() => adapter.commits.includes(`0:${poison.length}`));
    expect(adapter.produced.map((r) => r.key)).toEqual(["good"]);
    expect(await counted('fraud_stream_messages_total{outcome="invalid"}')).toBe(poison.length);
    expect(await counted("fraud_stream_batch_retries_total")).toBe(0);
    await pipeline.stop();
    await run;
  });

  it("on stop finishes the batch in hand before resolving", async () => {
    const { adapter, pipeline } = await setup();
    const run = pipeline.run();
    adapter.push(msg(2, 5, tx("s", "c", 10, "2024-03-01T10:00:00Z")));
    await pipeline.stop();
    await run;
    expect(adapter.commits).toEqual(["2:5"]);
  });
});
