/**
 * The decision log and its standing labels as one stream in event order (see features/rebuild.ts):
 * one sorted query over both tables, read through a server-side cursor in a read-only snapshot, so
 * memory holds one batch and decisions written meanwhile are neither half-seen nor seen twice.
 */
import type { ClientBase } from "pg";
import type { LogEvent } from "../features/rebuild";
import { transactionFromRow, type TransactionColumns } from "./decision-row";
import { schemaPrefix } from "./sql";

export interface LogEventOptions {
  /** Explicit schema (tests); default: the search_path. */
  readonly schema?: string;
  /** Only transactions at or after this time (epoch ms), and the labels of those. Default: all. */
  readonly since?: number;
  /** Rows per FETCH. Default 10,000. */
  readonly batchSize?: number;
}

/** A label (rank 0: labels come first at one instant) or a transaction (rank 1) of the stream. */
type EventRow =
  | { rank: 0; transaction_id: string; occurred_at: Date; merchant_id: string; label: string; reported_at: Date }
  | ({ rank: 1 } & TransactionColumns);

/** The newest transaction time in the log (epoch ms), undefined when it is empty. */
export async function newestDecisionAt(client: ClientBase, schema?: string): Promise<number | undefined> {
  const { rows } = await client.query<{ newest: Date | null }>(`SELECT max(occurred_at) AS newest FROM ${schemaPrefix(schema)}decisions`);
  return rows[0]?.newest ? rows[0].newest.getTime() : undefined;
}

/**
 * Streams the log on `client` (which it uses alone until the stream ends: a transaction and a
 * cursor are open on it). Breaking out of the loop early rolls back and closes them.
 */
export async function* readLogEvents(client: ClientBase, opts: LogEventOptions = {}): AsyncGenerator<LogEvent> {
  const s = schemaPrefix(opts.schema);
  const since = opts.since === undefined ? "'-infinity'" : `'${new Date(opts.since).toISOString()}'`;
  const batch = opts.batchSize ?? 10_000;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new RangeError(`batchSize must be an integer >= 1, got ${batch}`);
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  let done = false;
  try {
    // a label is placed at max(transaction time, report time), as the trainer places it
    await client.query(
      `DECLARE log_events NO SCROLL CURSOR FOR
       SELECT rank, transaction_id, occurred_at, card_id, merchant_id, amount, currency, merchant_category, country, channel,
              label, reported_at
         FROM (SELECT d.occurred_at AS at, 1 AS rank, d.transaction_id, d.occurred_at, d.card_id, d.merchant_id,
                      d.amount::text AS amount, d.currency, d.merchant_category, d.country, d.channel,
                      NULL::text AS label, NULL::timestamptz AS reported_at
                 FROM ${s}decisions d WHERE d.occurred_at >= ${since}::timestamptz
               UNION ALL
               SELECT GREATEST(d.occurred_at, f.reported_at), 0, f.transaction_id, d.occurred_at, NULL, d.merchant_id,
                      NULL, NULL, NULL, NULL, NULL, f.label, f.reported_at
                 FROM ${s}feedback f JOIN ${s}decisions d ON d.transaction_id = f.transaction_id
                WHERE d.occurred_at >= ${since}::timestamptz) e
        ORDER BY at, rank, transaction_id`,
    );
    for (;;) {
      const { rows } = await client.query<EventRow>(`FETCH FORWARD ${batch} FROM log_events`);
      for (const r of rows) yield toEvent(r);
      if (rows.length < batch) break;
    }
    await client.query("COMMIT");
    done = true;
  } finally {
    if (!done) await client.query("ROLLBACK").catch(() => undefined);
  }
}

function toEvent(r: EventRow): LogEvent {
  if (r.rank === 0) {
    return {
      kind: "label",
      fraud: r.label === "fraud",
      label: {
        transactionId: r.transaction_id,
        merchantId: r.merchant_id,
        timestamp: r.occurred_at.getTime(),
        knownAt: r.reported_at.getTime(),
      },
    };
  }
  return { kind: "transaction", tx: transactionFromRow(r) };
}
