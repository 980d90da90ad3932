/**
 * Strict request validation, hand-written for speed (it runs on every transaction) and for
 * messages that name the exact field. Unknown fields are REJECTED: a misspelt optional field
 * (`merchantCategroy`) would otherwise be silently dropped and score differently than intended.
 */
import { CHANNELS, type Channel, type Transaction } from "../features/types";
import { LABELS, type Label } from "../store/decision-log";

export interface FieldProblem {
  /** JSON path of the offending value, e.g. `transactions[3].amount`. */
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; "));
    this.name = "ValidationError";
  }
}

/** At most this many problems are reported per request; the rest would only be noise. */
const MAX_PROBLEMS = 20;
const ID_RE = /^[\x21-\x7e]{1,128}$/;
// Offset required: a timestamp without one is ambiguous, and features depend on the local hour.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const MCC_RE = /^\d{4}$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
const MAX_AMOUNT = 1e9;
/** Clock skew tolerated for timestamps in the future. */
const MAX_FUTURE_MS = 5 * 60_000;

const TX_FIELDS = new Set(["transactionId", "timestamp", "cardId", "merchantId", "amount", "currency", "merchantCategory", "country", "channel"]);
const FEEDBACK_FIELDS = new Set(["transactionId", "label", "reportedAt"]);
const BATCH_FIELDS = new Set(["transactions"]);

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

class Collector {
  readonly problems: FieldProblem[] = [];
  add(path: string, message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ path, message });
  }
  get full(): boolean {
    return this.problems.length >= MAX_PROBLEMS;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkUnknown(o: Record<string, unknown>, allowed: Set<string>, prefix: string, c: Collector): void {
  for (const k in o) if (!allowed.has(k)) c.add(`${prefix}${k}`, `unknown field (allowed: ${[...allowed].join(", ")})`);
}

// The checks take the value, read by the caller as a named property: `o[field]` with a field name
// that varies is a megamorphic keyed load, which showed in perf of the hot path.
function id(v: unknown, field: string, prefix: string, c: Collector): string {
  if (v === undefined) c.add(prefix + field, "is required");
  else if (typeof v !== "string") c.add(prefix + field, `must be a string, got ${typeName(v)}`);
  else if (!ID_RE.test(v)) c.add(prefix + field, "must be 1 to 128 printable ASCII characters without spaces");
  else return v;
  return "";
}

function timestamp(v: unknown, field: string, prefix: string, c: Collector, now: number, required: boolean): number {
  if (v === undefined) {
    if (required) c.add(prefix + field, "is required");
    return Number.NaN;
  }
  const m = typeof v === "string" ? ISO_RE.exec(v) : null;
  if (typeof v !== "string") c.add(prefix + field, `must be an ISO 8601 string, got ${typeName(v)}`);
  else if (!m) c.add(prefix + field, `must be ISO 8601 with a UTC offset, e.g. 2024-03-01T12:30:00Z (got ${JSON.stringify(v.slice(0, 40))})`);
  else {
    const ms = Date.parse(v);
    if (Number.isNaN(ms) || !realDate(m)) c.add(prefix + field, `is not a valid date: ${JSON.stringify(v)}`);
    else if (ms > now + MAX_FUTURE_MS) c.add(prefix + field, "is more than 5 minutes in the future");
    else return ms;
  }
  return Number.NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date.parse rolls 2024-02-30 over to March 1st: check the fields (ISO_RE's groups) are in range. */
function realDate(m: RegExpExecArray): boolean {
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]), hour = Number(m[4]), minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

function optionalCode(v: unknown, field: string, re: RegExp, what: string, prefix: string, c: Collector): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !re.test(v)) c.add(prefix + field, `must be ${what}, got ${JSON.stringify(v)}`);
  else return v;
  return undefined;
}

function transaction(v: unknown, prefix: string, c: Collector, now: number): Transaction | undefined {
  if (!isObject(v)) {
    c.add(prefix.replace(/\.$/, ""), `must be an object, got ${typeName(v)}`);
    return undefined;
  }
  const before = c.problems.length;
  checkUnknown(v, TX_FIELDS, prefix, c);
  const transactionId = id(v.transactionId, "transactionId", prefix, c);
  const ts = timestamp(v.timestamp, "timestamp", prefix, c, now, true);
  const cardId = id(v.cardId, "cardId", prefix, c);
  const merchantId = id(v.merchantId, "merchantId", prefix, c);
  const amount = v.amount;
  if (amount === undefined) c.add(prefix + "amount", "is required");
  else if (typeof amount !== "number" || !Number.isFinite(amount)) c.add(prefix + "amount", `must be a number, got ${typeName(amount)}`);
  else if (amount <= 0) c.add(prefix + "amount", `must be > 0, got ${amount}`);
  else if (amount > MAX_AMOUNT) c.add(prefix + "amount", `must be <= ${MAX_AMOUNT}, got ${amount}`);
  const currency = optionalCode(v.currency, "currency", CURRENCY_RE, "an ISO 4217 code (3 capital letters)", prefix, c);
  const merchantCategory = optionalCode(v.merchantCategory, "merchantCategory", MCC_RE, "a 4-digit merchant category code", prefix, c);
  const country = optionalCode(v.country, "country", COUNTRY_RE, "an ISO 3166-1 alpha-2 code (2 capital letters)", prefix, c);
  let channel: Channel | undefined;
  if (v.channel !== undefined) {
    if ((CHANNELS as readonly unknown[]).includes(v.channel)) channel = v.channel as Channel;
    else c.add(prefix + "channel", `must be one of ${CHANNELS.join(", ")}, got ${JSON.stringify(v.channel)}`);
  }
  if (c.problems.length > before) return undefined;
  const tx: {
    transactionId: string; timestamp: number; cardId: string; merchantId: string; amount: number;
    currency?: string; merchantCategory?: string; country?: string; channel?: Channel;
  } = { transactionId, timestamp: ts, cardId, merchantId, amount: amount as number };
  if (currency !== undefined) tx.currency = currency;
  if (merchantCategory !== undefined) tx.merchantCategory = merchantCategory;
  if (country !== undefined) tx.country = country;
  if (channel !== undefined) tx.channel = channel;
  return tx;
}

export function parseTransaction(body: unknown, now = Date.now()): Transaction {
  const c = new Collector();
  const tx = transaction(body, "", c, now);
  if (!tx) throw new ValidationError(c.problems.length ? c.problems : [{ path: "", message: "invalid transaction" }]);
  return tx;
}

export function parseBatch(body: unknown, max: number, now = Date.now()): Transaction[] {
  const c = new Collector();
  if (!isObject(body)) throw new ValidationError([{ path: "", message: `body must be an object {"transactions": [...]}, got ${typeName(body)}` }]);
  checkUnknown(body, BATCH_FIELDS, "", c);
  const list = body.transactions;
  if (!Array.isArray(list)) c.add("transactions", list === undefined ? "is required" : `must be an array, got ${typeName(list)}`);
  else if (list.length === 0) c.add("transactions", "must hold at least one transaction");
  else if (list.length > max) c.add("transactions", `holds ${list.length} transactions; the maximum per batch is ${max} (BATCH_MAX)`);
  if (c.problems.length) throw new ValidationError(c.problems);
  const txs = new Array<Transaction>((list as unknown[]).length);
  (list as unknown[]).forEach((v, i) => {
    if (c.full) return;
    const tx = transaction(v, `transactions[${i}].`, c, now);
    if (tx) txs[i] = tx;
  });
  if (c.problems.length) throw new ValidationError(c.problems);
  return txs;
}

export interface Feedback {
  readonly transactionId: string;
  readonly label: Label;
  /** Epoch ms; the time of receipt when the client did not say. */
  readonly reportedAt: number;
}

export function parseFeedback(body: unknown, now = Date.now()): Feedback {
  const c = new Collector();
  if (!isObject(body)) throw new ValidationError([{ path: "", message: `body must be an object, got ${typeName(body)}` }]);
  checkUnknown(body, FEEDBACK_FIELDS, "", c);
  const transactionId = id(body.transactionId, "transactionId", "", c);
  const label = body.label;
  if (label === undefined) c.add("label", "is required");
  else if (!(LABELS as readonly unknown[]).includes(label)) c.add("label", `must be one of ${LABELS.join(", ")}, got ${JSON.stringify(label)}`);
  const reportedAt = timestamp(body.reportedAt, "reportedAt", "", c, now, false);
  if (c.problems.length) throw new ValidationError(c.problems);
  return { transactionId, label: label as Label, reportedAt: Number.isNaN(reportedAt) ? now : reportedAt };
}

/** Path parameter of GET /v1/decisions/:transactionId (already URL-decoded). */
export function checkTransactionId(value: string): string {
  if (!ID_RE.test(value)) throw new ValidationError([{ path: "transactionId", message: "must be 1 to 128 printable ASCII characters without spaces" }]);
  return value;
}
