/**
 * The review queue: decisions in `review` (optionally `decline`) that have no label yet, newest or
 * riskiest first, filtered, one page at a time. Pages are cut by keyset (the last row's sort key),
 * not OFFSET: page 1000 costs what page 1 does, and a row labelled meanwhile shifts nothing. Each
 * order reads its partial index (migration 004), whose last column is the primary key, so a
 * boundary is one row comparison.
 */
import { ValidationError } from "../serving/validate";
import type { Queryable } from "../store/sql";
import { QUEUE_DECISIONS, type QueueDecision, type QueueItem, type QueuePage } from "./wire";

export const QUEUE_SORTS = ["newest", "riskiest"] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueueFilters {
  /** Default: review only. */
  readonly decisions: readonly QueueDecision[];
  readonly sort: QueueSort;
  readonly minScore?: number;
  readonly maxScore?: number;
  readonly merchantId?: string;
  readonly cardId?: string;
  readonly modelVersion?: string;
  /** Transaction time, epoch ms: from inclusive, to exclusive. */
  readonly from?: number;
  readonly to?: number;
}

/** Where the previous page ended: the sort key of its last row. */
export interface QueueCursor {
  readonly score?: number;
  readonly occurredAt: string;
  readonly transactionId: string;
}

export interface QueueRequest {
  readonly filters: QueueFilters;
  readonly after?: QueueCursor;
  readonly limit: number;
}

export const QUEUE_PAGE_DEFAULT = 50;
export const QUEUE_PAGE_MAX = 200;

export function encodeCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify([c.score ?? null, c.occurredAt, c.transactionId])).toString("base64url");
}

function decodeCursor(text: string, sort: QueueSort): QueueCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const ok =
    Array.isArray(parsed) &&
    parsed.length === 3 &&
    (sort === "newest" || (typeof parsed[0] === "number" && Number.isFinite(parsed[0]))) &&
    typeof parsed[1] === "string" &&
    !Number.isNaN(Date.parse(parsed[1])) &&
    typeof parsed[2] === "string";
  if (!ok) throw new ValidationError([{ path: "after", message: "is not a cursor of this queue order (take `next` from a page)" }]);
  const [score, occurredAt, transactionId] = parsed as [number | null, string, string];
  return { ...(sort === "riskiest" ? { score: score as number } : {}), occurredAt, transactionId };
}

/** The queue request in a console URL's query (`?decision=review,decline&sort=riskiest&minScore=0.5...`). */
export function parseQueueQuery(q: URLSearchParams): QueueRequest {
  const problems: { path: string; message: string }[] = [];
  const text = (name: string): string | undefined => {
    const v = q.get(name)?.trim();
    return v ? v : undefined;
  };
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) problems.push({ path: name, message: `must be a number in [${min}, ${max}], got ${v}` });
    return n;
  };
  const time = (name: string): number | undefined => {
    const v = text(name);
    if (v === undefined) return undefined;
    const t = Date.parse(v);
    if (Number.isNaN(t)) problems.push({ path: name, message: `must be an ISO 8601 time, got ${v}` });
    return t;
  };
  const decisions = (text("decision") ?? "review").split(",").map((s) => s.trim());
  for (const d of decisions) {
    if (!(QUEUE_DECISIONS as readonly string[]).includes(d))
      problems.push({ path: "decision", message: `must be review and/or decline, got ${d}` });
  }
  const sort = text("sort") ?? "newest";
  if (!(QUEUE_SORTS as readonly string[]).includes(sort))
    problems.push({ path: "sort", message: `must be newest or riskiest, got ${sort}` });
  const limit = num("limit", 1, QUEUE_PAGE_MAX) ?? QUEUE_PAGE_DEFAULT;
  if (!Number.isInteger(limit)) problems.push({ path: "limit", message: "must be an integer" });
  const filters: QueueFilters = {
    decisions: [...new Set(decisions)] as QueueDecision[],
    sort: sort as QueueSort,
    minScore: num("minScore", 0, 1),
    maxScore: num("maxScore", 0, 1),
    merchantId: text("merchant"),
    cardId: text("card"),
    modelVersion: text("model"),
    from: time("from"),
    to: time("to"),
  };
  if (problems.length) throw new ValidationError(problems);
  const after = text("after");
  return { filters, limit, ...(after ? { after: decodeCursor(after, filters.sort) } : {}) };
}

interface QueueRow {
  transaction_id: string;
  occurred_at: Date | string;
  card_id: string;
  merchant_id: string;
  amount: string;
  currency: string | null;
  channel: string | null;
  score: number;
  decision: QueueDecision;
  model_version: string;
}

/** The SQL and parameters of one queue page (exported for the benchmark's EXPLAIN). */
export function queueQuery(s: string, r: QueueRequest): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = r.filters;
  // the literal IN matches the partial indexes' predicate, so the planner can use them
  const where = [`d.decision IN ('review', 'decline')`, `d.decision = ANY(${p(f.decisions)}::text[])`];
  where.push(`NOT EXISTS (SELECT 1 FROM ${s}feedback fb WHERE fb.transaction_id = d.transaction_id)`);
  if (f.minScore !== undefined) where.push(`d.score >= ${p(f.minScore)}`);
  if (f.maxScore !== undefined) where.push(`d.score <= ${p(f.maxScore)}`);
  if (f.merchantId !== undefined) where.push(`d.merchant_id = ${p(f.merchantId)}`);
  if (f.cardId !== undefined) where.push(`d.card_id = ${p(f.cardId)}`);
  if (f.modelVersion !== undefined) where.push(`d.model_version = ${p(f.modelVersion)}`);
  if (f.from !== undefined) where.push(`d.occurred_at >= ${p(new Date(f.from).toISOString())}`);
  if (f.to !== undefined) where.push(`d.occurred_at < ${p(new Date(f.to).toISOString())}`);
  const a = r.after;
  let order: string;
  if (f.sort === "riskiest") {
    if (a)
      where.push(
        `(d.score, d.occurred_at, d.transaction_id) < (${p(a.score)}::float8, ${p(a.occurredAt)}::timestamptz, ${p(a.transactionId)})`,
      );
    order = "d.score DESC, d.occurred_at DESC, d.transaction_id DESC";
  } else {
    if (a) where.push(`(d.occurred_at, d.transaction_id) < (${p(a.occurredAt)}::timestamptz, ${p(a.transactionId)})`);
    order = "d.occurred_at DESC, d.transaction_id DESC";
  }
  const text = `SELECT d.transaction_id, d.occurred_at, d.card_id, d.merchant_id, d.amount, d.currency, d.channel, d.score, d.decision, d.model_version
    FROM ${s}decisions d WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ${p(r.limit + 1)}`;
  return { text, params };
}

export async function queuePage(q: Queryable, s: string, r: QueueRequest): Promise<QueuePage> {
  const { text, params } = queueQuery(s, r);
  const { rows } = await q.query<QueueRow>(text, params);
  const items = rows.slice(0, r.limit).map((row): QueueItem => ({
    transactionId: row.transaction_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    cardId: row.card_id,
    merchantId: row.merchant_id,
    amount: Number(row.amount),
    currency: row.currency,
    channel: row.channel,
    score: Number(row.score),
    decision: row.decision,
    modelVersion: row.model_version,
  }));
  const last = items.at(-1);
  if (rows.length <= r.limit || !last) return { items };
  return {
    items,
    next: encodeCursor({
      ...(r.filters.sort === "riskiest" ? { score: last.score } : {}),
      occurredAt: last.occurredAt,
      transactionId: last.transactionId,
    }),
  };
}
