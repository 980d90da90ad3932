/**
 * `npm run replay-decisions`: the decisions a shutdown logged as not written go back into
 * PostgreSQL from a pod log full of other lines; a second run, and ids already stored, insert nothing.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "./serving/log";
import { describeWithPostgres, uniqueTestName } from "./testing/services";
import { testDecision } from "./testing/decision-fixtures";
import { DecisionLog } from "./store/decision-log";
import type { DecisionRecord } from "./store/decision-record";
import { migrate } from "./store/migrate";
import { postgresClient, type SqlClient } from "./store/sql";

/** The replayed rows carry milliseconds and a reason with characters JSON and COPY must escape. */
function decision(id: string, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return testDecision(id, {
    occurredAt: Date.parse("2024-03-01T12:00:00.123Z"),
    reasons: [{ feature: "amount", value: 12.34, contribution: 0.1, description: 'tab\there, quote " and back\\slash' }],
    ...extra,
  });
}

function replay(databaseUrl: string, schema: string, file: string): { code: number | null; out: string; err: string } {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const r = spawnSync("npx", ["tsx", "app/src/replay-decisions.ts", "--from", file], {
    env: { ...process.env, DATABASE_URL: url.toString() },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describeWithPostgres("replay-decisions on PostgreSQL", (databaseUrl) => {
  const schema = uniqueTestName("replay");
  const dir = mkdtempSync(join(tmpdir(), "replay-decisions-"));
  let sql: SqlClient;
  beforeAll(async () => {
    sql = postgresClient({ connectionString: databaseUrl, max: 1 });
    await migrate(sql, schema);
  });
  afterAll(async () => {
    await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("inserts the logged decisions once, skipping other lines and ids already stored", async () => {
    // the lines as the API writes them at shutdown, between others of the same pod
    const lines: string[] = [];
    const log = createLogger("info", (l) => lines.push(l));
    log.info("shutting down: draining in-flight requests and the decision buffer", { inflight: 0, buffered: 3 });
    const logged = [decision("r-1"), decision("r-2", { decision: "decline", score: 0.97, degraded: true, country: "FR" }), decision("r-3")];
    for (const d of logged) log.error("decision not written", { decision: d });
    // refused by PostgreSQL too (year 0): logged whole by the dead-letter path, refused again here
    log.error("decision not written", {
      decision: decision("r-bad", { occurredAt: Date.parse("0000-01-01T00:00:00Z") }),
      error: "date out of range",
    });
    log.error("decision not written", { decision: { transactionId: "r-partial" } });
    // cut by a log collector's line limit: counted as malformed, not skipped as another line
    lines.push("not json at all\n", '{"msg":"decision not written","decision":{"transactionId":"r-cut"\n', "\n");
    log.info("stopped", { unwritten: 3 });
    const file = join(dir, "pod.log");
    writeFileSync(file, lines.join(""));
    // already written before the outage ended
    const stored = new DecisionLog(sql, { capacity: 1, schema });
    expect(await stored.insertMissing([decision("r-3", { score: 0.5 })])).toEqual(["r-3"]);

    const first = replay(databaseUrl, schema, file);
    expect(first.code, first.err).toBe(1);
    expect(JSON.parse(first.out)).toEqual({ lines: 10, ignored: 4, malformed: 2, inserted: 2, alreadyStored: 1, refused: 1 });
    expect(first.err).toContain('"transactionId":"r-bad"');
    const second = replay(databaseUrl, schema, file);
    expect(JSON.parse(second.out)).toEqual({ lines: 10, ignored: 4, malformed: 2, inserted: 0, alreadyStored: 3, refused: 1 });

    expect(await stored.getMany(["r-1", "r-2"])).toEqual(new Map(logged.slice(0, 2).map((d) => [d.transactionId, d])));
    const { rows } = await sql.query<{ transaction_id: string; score: number }>(
      `SELECT transaction_id, score FROM "${schema}".decisions ORDER BY 1`,
    );
    expect(rows).toEqual([
      { transaction_id: "r-1", score: 0.25 },
      { transaction_id: "r-2", score: 0.97 },
      // the stored one stands
      { transaction_id: "r-3", score: 0.5 },
    ]);
  }, 120_000);
});
