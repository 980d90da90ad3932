/** A migrated schema of its own in the test PostgreSQL, and decisions written into it in bulk. */
import type { DecisionOutcome } from "../../domain/decision";
import { copyRows } from "../../store/decision-encoding";
import { COLUMNS } from "../../store/decision-row";
import type { DecisionRecord } from "../../store/decision-record";
import { migrate } from "../../store/migrate";
import { postgresClient, schemaPrefix, type SqlClient } from "../../store/sql";
import { testDecision } from "../../testing/decision-fixtures";

export interface TestSchema {
  readonly sql: SqlClient;
  readonly schema: string;
  /** `"schema".` */
  readonly s: string;
  insert(decisions: readonly DecisionRecord[]): Promise<void>;
  label(transactionId: string, label: "fraud" | "legit", reportedAt?: number): Promise<void>;
  drop(): Promise<void>;
}

export async function testSchema(databaseUrl: string, schema: string): Promise<TestSchema> {
  const sql = postgresClient({ connectionString: databaseUrl, max: 4 });
  await migrate(sql, schema);
  const s = schemaPrefix(schema);
  return {
    sql,
    schema,
    s,
    async insert(decisions) {
      const copy = sql.copyIn as NonNullable<SqlClient["copyIn"]>;
      for (let i = 0; i < decisions.length; i += 20_000) {
        await copy(`COPY ${s}decisions (${COLUMNS.join(", ")}) FROM STDIN`, copyRows(decisions.slice(i, i + 20_000)), 60_000);
      }
    },
    async label(transactionId, label, reportedAt = Date.now()) {
      await sql.query(`INSERT INTO ${s}feedback (transaction_id, label, reported_at) VALUES ($1, $2, $3)`, [
        transactionId,
        label,
        new Date(reportedAt).toISOString(),
      ]);
    },
    async drop() {
      await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await sql.close();
    },
  };
}

/**
 * `n` decisions over the `hours` before `end`: a fifth review, a twentieth decline, the rest
 * approve; 50 merchants, 500 cards, two model versions; scores repeat (ties exercise the keyset).
 */
export function manyDecisions(n: number, end: number, hours = 24 * 30, seed = 1): DecisionRecord[] {
  let x = seed;
  const rand = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  const out: DecisionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    const decision: DecisionOutcome = r < 0.05 ? "decline" : r < 0.25 ? "review" : "approve";
    const score =
      decision === "decline"
        ? 0.5 + Math.round(rand() * 50) / 100
        : decision === "review"
          ? 0.1 + Math.round(rand() * 40) / 100
          : Math.round(rand() * 10) / 100;
    out.push(
      testDecision(`t${String(i).padStart(7, "0")}`, {
        // whole seconds, and some at the same second: ties on time too
        occurredAt: end - Math.floor(rand() * hours * 3600) * 1000,
        cardId: `card-${Math.floor(rand() * 500)}`,
        merchantId: `m-${Math.floor(rand() * 50)}`,
        amount: 1 + Math.round(rand() * 50_000) / 100,
        score,
        decision,
        modelVersion: rand() < 0.5 ? "v1" : "v2",
      }),
    );
  }
  return out;
}
