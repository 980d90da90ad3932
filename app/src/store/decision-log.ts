/**
 * The decision log (table `decisions`) and labels (table `feedback`). Decisions are written
 * behind the response in multi-row inserts; while PostgreSQL is unreachable they wait in the
 * bounded queue and are retried. A decision PostgreSQL refuses (a value it cannot store) would
 * fail its batch on every retry: the batch is split until that decision is isolated, which goes to
 * the dead-letter table (or only to `onDeadLetter`, when even that fails) while the rest is written.
 * Feedback is written synchronously: the caller learns whether its label was stored.
 */
import type { Label } from "../domain/decision";
import { copyRows, insertJson } from "./decision-encoding";
import type { DecisionRecord, FeedbackRecord } from "./decision-record";
import { COLUMNS, decisionFromRow, type DecisionRow } from "./decision-row";
import { refusesValues, schemaPrefix, type SqlClient } from "./sql";
import { WriteBehindQueue } from "./write-behind";
import { inRootSpan } from "../telemetry/tracing";

export interface DecisionLogOptions {
  /** Explicit schema (tests); default: the search_path. */
  readonly schema?: string;
  /** Decisions held in memory at most (DECISION_BUFFER_MAX). */
  readonly capacity: number;
  readonly batchSize?: number;
  readonly lingerMs?: number;
  readonly retryMaxMs?: number;
  readonly onStateChange?: (healthy: boolean, err?: unknown) => void;
  /**
   * A decision PostgreSQL refused, set aside so the rest of its batch is written: `stored` when it
   * is in the decisions_dead_letter table, false when that refused it too (log it whole).
   */
  readonly onDeadLetter?: (decision: DecisionRecord, err: unknown, stored: boolean) => void;
  /**
   * Decisions kept in memory after they are written (default 50,000, ~15 MB; a few minutes of one
   * replica's traffic): a repeat of a recent transaction gets its decision without PostgreSQL, so
   * an outage of the database does not turn client retries into 503s.
   */
  readonly recentCapacity?: number;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const UNIQUE_VIOLATION = "23505";

/** As the pool's query_timeout: a write stuck on a dead connection fails and is retried. */
const COPY_TIMEOUT_MS = 10_000;

export class DecisionLog {
  private readonly queue: WriteBehindQueue<DecisionRecord>;
  private readonly insertSql: string;
  private readonly copySql: string;
  private readonly selectManySql: string;
  private readonly feedbackSql: string;
  private readonly deadLetterSql: string;
  private readonly labelSql: string;
  /** Written decisions by id, oldest first (a Map keeps insertion order): see recentCapacity. */
  private readonly recent = new Map<string, DecisionRecord>();
  private readonly recentCapacity: number;

  constructor(
    private readonly sql: SqlClient,
    private readonly opts: DecisionLogOptions,
  ) {
    const s = schemaPrefix(opts.schema);
    // One JSON parameter for the whole batch: JSON.stringify is native and cheap where pg's
    // per-element array escaping is not, and there is no 65535-parameter ceiling.
    this.insertSql = `INSERT INTO ${s}decisions (${COLUMNS.join(", ")})
      SELECT ${COLUMNS.join(", ")}
      FROM jsonb_to_recordset($1::jsonb) AS r(transaction_id text, occurred_at timestamptz, card_id text, merchant_id text,
        amount numeric, currency text, merchant_category text, country text, channel text, score float8, decision text,
        model_version text, degraded bool, reasons jsonb, challenger_mode text, champion_version text, champion_score float8,
        champion_decision text, challenger_version text, challenger_score float8, challenger_decision text)
      ON CONFLICT (transaction_id) DO NOTHING`;
    this.copySql = `COPY ${s}decisions (${COLUMNS.join(", ")}) FROM STDIN`;
    this.selectManySql = `SELECT ${COLUMNS.join(", ")} FROM ${s}decisions WHERE transaction_id = ANY($1::text[])`;
    // Labels apply in reported_at order (legit after fraud at equal times), as in the feature
    // stores, whatever order they arrive in; received_at says when we last heard. Returns the label
    // standing after this one.
    this.feedbackSql = `INSERT INTO ${s}feedback AS f (transaction_id, label, reported_at) VALUES ($1, $2, $3)
      ON CONFLICT (transaction_id) DO UPDATE SET
        label = CASE WHEN (EXCLUDED.reported_at, EXCLUDED.label) > (f.reported_at, f.label) THEN EXCLUDED.label ELSE f.label END,
        reported_at = GREATEST(f.reported_at, EXCLUDED.reported_at),
        received_at = now()
      RETURNING label, reported_at`;
    // a batch retried after a later failure in it sets the same decision aside again: kept once
    this.deadLetterSql = `INSERT INTO ${s}decisions_dead_letter (transaction_id, record, error, sqlstate) VALUES ($1, $2, $3, $4)
      ON CONFLICT (transaction_id) DO NOTHING`;
    this.labelSql = `SELECT label, reported_at FROM ${s}feedback WHERE transaction_id = $1`;
    this.recentCapacity = opts.recentCapacity ?? 50_000;
    this.queue = new WriteBehindQueue<DecisionRecord>({
      capacity: opts.capacity,
      batchSize: opts.batchSize ?? 1000,
      // Each COPY has a fixed cost in the API and in PostgreSQL: at ~13k rows/s, 50 ms instead of
      // 10 ms measured 12-13 vs 15-18 us/row in the client and 13-14 vs 16-19 in PostgreSQL.
      lingerMs: opts.lingerMs ?? 50,
      concurrency: 2,
      retryMinMs: 50,
      retryMaxMs: opts.retryMaxMs ?? 2000,
      key: (d) => d.transactionId,
      // a trace of its own (tracing on): a batch holds many requests' decisions, not the one that set it off
      write: (batch) =>
        inRootSpan(
          "decisions write",
          () => ({ "fraud.transactions": batch.length }),
          async () => {
            // set aside (dead letters) or found stored already: not remembered as this process's
            const notRemembered = new Set<string>();
            await this.write(batch, notRemembered);
            this.remember(batch, notRemembered);
          },
        ),
      onStateChange: opts.onStateChange,
    });
  }

  /** Decisions not yet in PostgreSQL. */
  get buffered(): number {
    return this.queue.size;
  }

  get failing(): boolean {
    return this.queue.failing;
  }

  /** Claims room for `n` decisions before scoring; false when the buffer is full. */
  reserve(n: number): boolean {
    return this.queue.reserve(n);
  }

  release(n: number): void {
    this.queue.release(n);
  }

  /** Records a decision into room claimed by `reserve`. */
  append(decision: DecisionRecord): void {
    this.queue.push(decision);
  }

  /** The stored decision: from the buffer if it is not written yet, else from PostgreSQL. */
  async get(transactionId: string): Promise<DecisionRecord | undefined> {
    return (await this.getMany([transactionId])).get(transactionId);
  }

  /**
   * The stored decisions among `ids`, by id: from the buffer or the recently written ones, then
   * one query for the rest (none when memory had them all).
   */
  async getMany(ids: readonly string[]): Promise<Map<string, DecisionRecord>> {
    const found = new Map<string, DecisionRecord>();
    const rest: string[] = [];
    for (const id of ids) {
      const known = this.getInMemory(id);
      if (known) found.set(id, known);
      else rest.push(id);
    }
    if (rest.length > 0) {
      const { rows } = await this.sql.query<DecisionRow>(this.selectManySql, [rest]);
      for (const r of rows) found.set(r.transaction_id, decisionFromRow(r));
    }
    return found;
  }

  /**
   * Like `get`, polling for up to `waitMs` while it is not found: another replica may hold the
   * decision in its write-behind buffer for a few milliseconds more.
   */
  async getEventually(transactionId: string, waitMs: number): Promise<DecisionRecord | undefined> {
    const end = Date.now() + waitMs;
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const found = await this.get(transactionId);
      if (found || Date.now() + wait > end) return found;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Only memory (the buffer, then the recently written): no database round trip. */
  getInMemory(transactionId: string): DecisionRecord | undefined {
    return this.queue.get(transactionId) ?? this.recent.get(transactionId);
  }

  /**
   * Stores a label unless one reported later is stored (labels apply in report order). Returns the
   * label standing afterwards: `fb`'s own label and time when it applied, or was already stored.
   */
  async recordFeedback(fb: FeedbackRecord): Promise<Omit<FeedbackRecord, "transactionId">> {
    const { rows } = await this.sql.query<{ label: Label; reported_at: Date | string }>(this.feedbackSql, [
      fb.transactionId,
      fb.label,
      new Date(fb.reportedAt).toISOString(),
    ]);
    return { label: rows[0].label, reportedAt: new Date(rows[0].reported_at).getTime() };
  }

  /** The label standing for a transaction, from PostgreSQL; undefined when it has none. */
  async labelOf(transactionId: string): Promise<Omit<FeedbackRecord, "transactionId"> | undefined> {
    const { rows } = await this.sql.query<{ label: Label; reported_at: Date | string }>(this.labelSql, [transactionId]);
    return rows[0] ? { label: rows[0].label, reportedAt: new Date(rows[0].reported_at).getTime() } : undefined;
  }

  async ping(): Promise<void> {
    await this.sql.query("SELECT 1");
  }

  /** Writes what is buffered, retrying until `deadline`; returns the decisions that could not be written. */
  drain(deadline: number): Promise<DecisionRecord[]> {
    return this.queue.drain(deadline);
  }

  async close(): Promise<void> {
    this.queue.stop();
    await this.sql.close();
  }

  /** Keeps the decisions of a written batch that this process stored. */
  private remember(batch: readonly DecisionRecord[], notRemembered: ReadonlySet<string>): void {
    if (this.recentCapacity <= 0) return;
    for (const d of batch) if (!notRemembered.has(d.transactionId)) this.recent.set(d.transactionId, d);
    for (const id of this.recent.keys()) {
      if (this.recent.size <= this.recentCapacity) break;
      this.recent.delete(id);
    }
  }

  /**
   * Writes `batch`; when PostgreSQL refuses a value in it, writes each half the same way, down to
   * the one decision it refuses, which is set aside (about 2 log2(n) writes for one bad row in n).
   * Any other failure rejects, and the queue retries the batch whole: halves already written are
   * then skipped as stored ids.
   */
  private async write(batch: readonly DecisionRecord[], notRemembered: Set<string>): Promise<void> {
    try {
      await this.insert(batch, notRemembered);
    } catch (err) {
      if (!refusesValues(err)) throw err;
      if (batch.length === 1) {
        notRemembered.add(batch[0].transactionId);
        return this.deadLetter(batch[0], err);
      }
      const half = batch.length >> 1;
      await this.write(batch.slice(0, half), notRemembered);
      await this.write(batch.slice(half), notRemembered);
    }
  }

  private async deadLetter(d: DecisionRecord, cause: unknown): Promise<void> {
    let stored = true;
    try {
      // as text, not jsonb: JSON.stringify's output always fits in text, not always in jsonb (\u0000)
      await this.sql.query(this.deadLetterSql, [
        d.transactionId,
        JSON.stringify(d),
        errorText(cause),
        (cause as { code?: string }).code ?? null,
      ]);
    } catch (err) {
      // unavailable: the batch is retried whole; refused too: only the callback (a log line) keeps it
      if (!refusesValues(err)) throw err;
      stored = false;
    }
    this.opts.onDeadLetter?.(d, cause, stored);
  }

  /**
   * COPY where the client has it: it costs PostgreSQL about half the CPU of the JSON insert
   * (measured 6.3-7.0 vs 13.5-17.5 us per row, 100 batches of 1000, decisions-shaped rows). COPY
   * cannot skip ids already stored, so a batch holding one (a retried write that had committed, a
   * repeat scored while Redis was down) fails whole on the primary key and goes through the
   * insert that skips them. `notRemembered` gets the ids found stored already: possibly by another
   * replica, with its own decision.
   */
  private async insert(batch: readonly DecisionRecord[], notRemembered: Set<string>): Promise<void> {
    if (this.sql.copyIn) {
      try {
        await this.sql.copyIn(this.copySql, copyRows(batch), COPY_TIMEOUT_MS);
        return;
      } catch (err) {
        if (!(err instanceof Error && (err as { code?: string }).code === UNIQUE_VIOLATION)) throw err;
      }
    }
    await this.insertSkippingStored(batch, notRemembered);
  }

  private async insertSkippingStored(batch: readonly DecisionRecord[], notRemembered: Set<string>): Promise<void> {
    const inserted = new Set(await this.insertMissing(batch));
    for (const d of batch) if (!inserted.has(d.transactionId)) notRemembered.add(d.transactionId);
  }

  /**
   * Writes `batch` now, past the write-behind queue, skipping ids already stored; resolves with the
   * ids it inserted. For replaying decisions logged as not written: a replay run twice inserts
   * nothing the second time.
   */
  async insertMissing(batch: readonly DecisionRecord[]): Promise<string[]> {
    const { rows } = await this.sql.query<{ transaction_id: string }>(`${this.insertSql} RETURNING transaction_id`, [insertJson(batch)]);
    return rows.map((r) => r.transaction_id);
  }
}
