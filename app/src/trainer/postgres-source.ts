/**
 * The AWS path: the API's decision log (`decisions`) joined with its labels (`feedback`), read
 * through a server-side cursor in batches so memory holds one batch of rows beyond the Dataset.
 * After loading, training runs exactly the code the CSV path runs. A transaction without
 * feedback counts as genuine (as in the CSV, label 0); a `fraud` label counts from its
 * `reported_at` in the features. The log holds what the API accepted, but an older API, a backfill
 * or a hand-written row may hold optional values outside today's vocabulary: as in the CSV, those
 * are kept as absent and counted.
 */
import { Client } from "pg";
import { pgConnectionConfig, type PostgresSettings } from "../config/database";
import type { SecretReader } from "../config/secrets";
import { BadRowCounter, type LoadResult } from "./load-result";
import { rowProblem, VocabularyCounter } from "./row-checks";
import { DatasetBuilder } from "./dataset-builder";
import type { DecisionRow } from "../store/decision-row";

export interface PostgresLoadOptions {
  readonly database: PostgresSettings;
  /** Reads the RDS master secret when `database` names one. */
  readonly readSecret: SecretReader;
  /** Schema holding the API's tables. Default "public". */
  readonly schema?: string;
  readonly maxBadShare?: number;
  readonly batchSize?: number;
  readonly onRows?: (rows: number) => void;
}

/** A decision with its label, if any: the loader's join of the two tables. */
type LogRow = Omit<DecisionRow, "score" | "decision" | "model_version" | "degraded" | "reasons"> & {
  label: string | null;
  reported_at: Date | null;
};

function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export async function loadPostgres(o: PostgresLoadOptions): Promise<LoadResult> {
  const schema = ident(o.schema ?? "public");
  const client = new Client(await pgConnectionConfig(o.database, o.readSecret));
  await client.connect();
  const bad = new BadRowCounter();
  const vocabulary = new VocabularyCounter();
  const builder = new DatasetBuilder();
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(
      `DECLARE training_rows NO SCROLL CURSOR FOR
       SELECT d.transaction_id, d.occurred_at, d.card_id, d.merchant_id, d.amount::text AS amount,
              d.currency, d.merchant_category, d.country, d.channel, f.label, f.reported_at
         FROM ${schema}.decisions d LEFT JOIN ${schema}.feedback f ON f.transaction_id = d.transaction_id`,
    );
    const batch = o.batchSize ?? 10_000;
    for (;;) {
      const { rows } = await client.query<LogRow>(`FETCH FORWARD ${batch} FROM training_rows`);
      for (const r of rows) {
        bad.lines++;
        const fraud = r.label === "fraud";
        const row = {
          transactionId: r.transaction_id,
          timestamp: r.occurred_at instanceof Date ? r.occurred_at.getTime() : Number.NaN,
          cardId: r.card_id,
          merchantId: r.merchant_id,
          amount: Number(r.amount),
          label: fraud ? 1 : 0,
          labelReportedAt: fraud && r.reported_at ? r.reported_at.getTime() : undefined,
          currency: r.currency ?? undefined,
          merchantCategory: r.merchant_category ?? undefined,
          country: r.country ?? undefined,
          channel: r.channel ?? undefined,
        };
        const problem = rowProblem(row);
        if (problem) bad.bad(bad.lines, `${problem} (transaction ${r.transaction_id})`);
        else builder.add(vocabulary.keep(row));
      }
      o.onRows?.(bad.lines);
      if (rows.length < batch) break;
    }
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
  bad.check(o.maxBadShare ?? 0.001, `postgres ${schema}.decisions`);
  return { dataset: builder.finish(), badRows: bad.report(), outOfVocabulary: vocabulary.report(), ignoredColumns: [] };
}
