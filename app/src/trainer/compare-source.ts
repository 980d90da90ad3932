/**
 * The decisions `npm run compare` reads: those a challenger scored beside production in
 * [since, until), not degraded, with their label (fraud when `feedback` says so, else genuine).
 * `until` is the caller's: now minus the label delay, so no decision whose report may still come
 * is counted as genuine.
 */
import { Client } from "pg";
import { pgConnectionConfig, type PostgresSettings } from "../config/database";
import type { SecretReader } from "../config/secrets";
import type { DecisionOutcome } from "../domain/decision";
import type { ComparedDecision } from "./compare";

export interface CompareSourceOptions {
  readonly database: PostgresSettings;
  readonly readSecret: SecretReader;
  /** Schema holding the API's tables. Default "public". */
  readonly schema?: string;
  readonly since: Date;
  readonly until: Date;
}

interface Row {
  occurred_at: Date;
  card_id: string;
  challenger_mode: "shadow" | "ab";
  champion_version: string;
  champion_score: number;
  champion_decision: DecisionOutcome;
  challenger_version: string;
  challenger_score: number;
  challenger_decision: DecisionOutcome;
  fraud: boolean;
}

export async function readComparedDecisions(o: CompareSourceOptions): Promise<ComparedDecision[]> {
  const schema = o.schema ?? "public";
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  const client = new Client(await pgConnectionConfig(o.database, o.readSecret));
  await client.connect();
  try {
    const { rows } = await client.query<Row>(
      `SELECT d.occurred_at, d.card_id, d.challenger_mode, d.champion_version, d.champion_score, d.champion_decision,
              d.challenger_version, d.challenger_score, d.challenger_decision, coalesce(f.label = 'fraud', false) AS fraud
         FROM "${schema}".decisions d LEFT JOIN "${schema}".feedback f ON f.transaction_id = d.transaction_id
        WHERE d.challenger_version IS NOT NULL AND NOT d.degraded AND d.occurred_at >= $1 AND d.occurred_at < $2`,
      [o.since.toISOString(), o.until.toISOString()],
    );
    return rows.map((r) => ({
      occurredAt: new Date(r.occurred_at).getTime(),
      cardId: r.card_id,
      mode: r.challenger_mode,
      championVersion: r.champion_version,
      championScore: Number(r.champion_score),
      championDecision: r.champion_decision,
      challengerVersion: r.challenger_version,
      challengerScore: Number(r.challenger_score),
      challengerDecision: r.challenger_decision,
      label: r.fraud ? 1 : 0,
    }));
  } finally {
    await client.end();
  }
}
