/**
 * Strict request validation, hand-written for speed (it runs on every transaction) and for
 * messages that name the exact field. Unknown fields are REJECTED: a misspelt optional field
 * (`merchantCategroy`) would otherwise be silently dropped and score differently than intended.
 */
import { CHANNELS, type Channel, type Transaction } from "../features/types";
import { LABELS, type Label } from "../domain/decision";

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
/** One cent: a smaller amount rounds to 0 in minor units and divides features (ratios to the card's mean) by 0. */
export const MIN_AMOUNT = 0.01;
/** Clock skew tolerated for timestamps in the future. */
const MAX_FUTURE_MS = 5 * 60_000;
/**
 * Timestamps are accepted from 2000-01-01T00:00:00Z to 5 minutes past the clock. Every value in
 * that range is one PostgreSQL's timestamptz stores (year 0, negative years and years past 9999
 * are refused, and the write-behind batch with them), whose epoch ms, UTC hour and day buckets
 * (int32 in the Redis layout) and weekday arithmetic stay positive and small, and which is near the
 * data the model is trained on. A card transaction or a chargeback older than 2000 has no business
 * in a real-time scorer.
 */
export const MIN_TIMESTAMP = "2000-01-01T00:00:00Z";
const MIN_TIMESTAMP_MS = Date.parse(MIN_TIMESTAMP);
/** UTC offsets in use span -12:00 to +14:00; beyond ±14:00 is a typo or an attack, not a time zone. */
const MAX_OFFSET_MINUTES = 14 * 60;
/** Nesting refused beyond this: a valid body nests 3 levels (`{"transactions": [{...}]}`). */
export const MAX_DEPTH = 16;

const TX_FIELDS = new Set([
  "transactionId",
  "timestamp",
  "cardId",
  "merchantId",
  "amount",
  "currency",
  "merchantCategory",
  "country",
  "channel",
]);
const FEEDBACK_FIELDS = new Set(["transactionId", "label", "reportedAt"]);
const BATCH_FIELDS = new Set(["transactions"]);

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/**
 * A client's value for a message: bounded, and an object or array only by its type, since
 * JSON.stringify of one nested 20k levels deep overflows the stack (a 500 with the overflow in it).
 */
function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v === "object" && v !== null ? typeName(v) : String(v);
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
  else if (!m)
    c.add(prefix + field, `must be ISO 8601 with a UTC offset, e.g. 2024-03-01T12:30:00Z (got ${JSON.stringify(v.slice(0, 40))})`);
  else {
    const ms = Date.parse(v);
    if (Number.isNaN(ms) || !realDate(m)) c.add(prefix + field, `is not a valid date: ${JSON.stringify(v)}`);
    else if (m[7] !== undefined && Number(m[7]) * 60 + Number(m[8]) > MAX_OFFSET_MINUTES)
      c.add(prefix + field, "has a UTC offset beyond ±14:00");
    else if (ms < MIN_TIMESTAMP_MS) c.add(prefix + field, `is before ${MIN_TIMESTAMP}, the earliest time accepted`);
    else if (ms > now + MAX_FUTURE_MS) c.add(prefix + field, "is more than 5 minutes in the future");
    else return ms;
  }
  return Number.NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Date.parse rolls 2024-02-30 over to March 1st: check the fields (ISO_RE's groups) are in range. */
function realDate(m: RegExpExecArray): boolean {
  const year = Number(m[1]),
    month = Number(m[2]),
    day = Number(m[3]),
    hour = Number(m[4]),
    minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  const offsetOk = m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk;
}

function optionalCode(v: unknown, field: string, re: RegExp, what: string, prefix: string, c: Collector): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !re.test(v)) c.add(prefix + field, `must be ${what}, got ${shown(v)}`);
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
  else if (amount < MIN_AMOUNT) c.add(prefix + "amount", `must be at least ${MIN_AMOUNT}, got ${amount}`);
  else if (amount > MAX_AMOUNT) c.add(prefix + "amount", `must be <= ${MAX_AMOUNT}, got ${amount}`);
  const currency = optionalCode(v.currency, "currency", CURRENCY_RE, "an ISO 4217 code (3 capital letters)", prefix, c);
  const merchantCategory = optionalCode(v.merchantCategory, "merchantCategory", MCC_RE, "a 4-digit merchant category code", prefix, c);
  const country = optionalCode(v.country, "country", COUNTRY_RE, "an ISO 3166-1 alpha-2 code (2 capital letters)", prefix, c);
  let channel: Channel | undefined;
  if (v.channel !== undefined) {
    if ((CHANNELS as readonly unknown[]).includes(v.channel)) channel = v.channel as Channel;
    else c.add(prefix + "channel", `must be one of ${CHANNELS.join(", ")}, got ${shown(v.channel)}`);
  }
  if (c.problems.length > before) return undefined;
  const tx: {
    transactionId: string;
    timestamp: number;
    cardId: string;
    merchantId: string;
    amount: number;
    currency?: string;
    merchantCategory?: string;
    country?: string;
    channel?: Channel;
  } = { transactionId, timestamp: ts, cardId, merchantId, amount: amount as number };
  if (currency !== undefined) tx.currency = currency;
  if (merchantCategory !== undefined) tx.merchantCategory = merchantCategory;
  if (country !== undefined) tx.country = country;
  if (channel !== undefined) tx.channel = channel;
  return tx;
}

/**
 * JSON.parse, then refusing what it accepts but this API must not: an object with a key twice
 * (JSON.parse keeps the last value, a proxy, a log reader or the client's own tests may read the
 * first: what was scored would not be what was seen) and nesting deeper than MAX_DEPTH. Syntax
 * errors are JSON.parse's SyntaxError. The API (request bodies) and the stream worker (messages)
 * both parse with this, so both refuse the same inputs.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  // A count first (0.4 us for a transaction, half of JSON.parse): keys in the text against keys
  // parsed, equal unless one is repeated. The scan that names the problem runs only when there is one.
  const keys = keyTokens(text);
  if (keys < 0 || keys !== keyCount(value)) checkStructure(text);
  return value;
}

const QUOTE = 0x22,
  BACKSLASH = 0x5c,
  COLON = 0x3a,
  COMMA = 0x2c;
const OPEN_OBJECT = 0x7b,
  CLOSE_OBJECT = 0x7d,
  OPEN_ARRAY = 0x5b,
  CLOSE_ARRAY = 0x5d;

/** The keys in `text` (valid JSON): strings followed by ':'. -1 when it nests deeper than MAX_DEPTH. */
function keyTokens(text: string): number {
  let keys = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      let j = i + 1;
      while (text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) === COLON) keys++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) return -1;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return keys;
}

/** The keys of every object in `v`, parsed from JSON no deeper than MAX_DEPTH (the recursion is bounded). */
function keyCount(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) for (const item of v) n += keyCount(item);
  else for (const k in v) n += 1 + keyCount((v as Record<string, unknown>)[k]);
  return n;
}

/**
 * Throws the ValidationError naming the repeated key or the value nested too deep in `text`
 * (valid JSON), tracking the path (keys and array indexes) to name it.
 */
function checkStructure(text: string): void {
  // per open container: its keys so far (object) or undefined (array)
  const keys: (Set<string> | undefined)[] = [];
  const path: (string | number)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = closingQuote(text, i);
      const seen = keys[keys.length - 1];
      if (seen === undefined) continue;
      // in an object, a string followed by ':' is a key (a value string never is)
      let j = i + 1;
      while (text.charCodeAt(j) <= 0x20) j++;
      if (text.charCodeAt(j) !== COLON) continue;
      let key = text.slice(start + 1, i);
      // "\u0061mount" is the key "amount"
      if (key.includes("\\")) key = JSON.parse(text.slice(start, i + 1)) as string;
      path[path.length - 1] = key;
      if (seen.has(key)) throw new ValidationError([{ path: pathText(path), message: "appears more than once in its object" }]);
      seen.add(key);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (keys.length === MAX_DEPTH)
        throw new ValidationError([{ path: pathText(path), message: `nests deeper than ${MAX_DEPTH} levels` }]);
      keys.push(c === OPEN_OBJECT ? new Set() : undefined);
      path.push(c === OPEN_OBJECT ? "" : 0);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      keys.pop();
      path.pop();
    } else if (c === COMMA && keys.length > 0 && keys[keys.length - 1] === undefined) {
      (path[path.length - 1] as number)++;
    }
  }
}

/** The index of the quote closing the string opened at `open`: the first not escaped by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  for (let i = text.indexOf('"', open + 1); ; i = text.indexOf('"', i + 1)) {
    let k = i;
    while (text.charCodeAt(k - 1) === BACKSLASH) k--;
    if ((i - k) % 2 === 0) return i;
  }
}

/** `["transactions", 1, "amount"]` as `transactions[1].amount`, the paths validation reports. */
function pathText(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

export function parseTransaction(body: unknown, now = Date.now()): Transaction {
  const c = new Collector();
  const tx = transaction(body, "", c, now);
  if (!tx) throw new ValidationError(c.problems.length ? c.problems : [{ path: "", message: "invalid transaction" }]);
  return tx;
}

export function parseBatch(body: unknown, max: number, now = Date.now()): Transaction[] {
  const c = new Collector();
  if (!isObject(body))
    throw new ValidationError([{ path: "", message: `body must be an object {"transactions": [...]}, got ${typeName(body)}` }]);
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
  else if (!(LABELS as readonly unknown[]).includes(label)) c.add("label", `must be one of ${LABELS.join(", ")}, got ${shown(label)}`);
  const reportedAt = timestamp(body.reportedAt, "reportedAt", "", c, now, false);
  if (c.problems.length) throw new ValidationError(c.problems);
  return { transactionId, label: label as Label, reportedAt: Number.isNaN(reportedAt) ? now : reportedAt };
}

/** Path parameter of GET /v1/decisions/:transactionId (already URL-decoded). */
export function checkTransactionId(value: string): string {
  if (!ID_RE.test(value))
    throw new ValidationError([{ path: "transactionId", message: "must be 1 to 128 printable ASCII characters without spaces" }]);
  return value;
}
