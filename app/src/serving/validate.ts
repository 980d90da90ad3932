/**
 * Request validation against the wire contract (serving/schemas.ts), compiled once by Ajv, then
 * what JSON Schema cannot say about a time: a real calendar date, the offset within ±14:00, the
 * accepted range. Unknown fields are REJECTED: a misspelt optional field (`merchantCategroy`)
 * would otherwise be silently dropped and score differently than intended. Times become epoch ms.
 * The API validates request bodies with these, and the stream worker its messages.
 */
import { Ajv, type ValidateFunction } from "ajv";
import type { Transaction } from "../features/types";
import type { Label } from "../domain/decision";
import { fromAjv, report, type Located, ValidationError } from "./problems";
import {
  BatchBody,
  FeedbackBody,
  Id,
  ISO_TIME_PATTERN,
  MAX_FUTURE_MS,
  MAX_OFFSET_MINUTES,
  MIN_TIMESTAMP,
  TransactionBody,
  type Schema,
} from "./schemas";

export { ValidationError, type FieldProblem } from "./problems";
export { parseJson } from "./json-body";
export { MAX_DEPTH, MIN_AMOUNT, MIN_TIMESTAMP } from "./schemas";

const ajv = new Ajv({
  allErrors: true,
  // the value and its schema on each error: messages show the value and use the schema's wording
  verbose: true,
  // Infinity and NaN are not numbers here (they cannot come from JSON, but can from a caller)
  strictNumbers: true,
  // never coerce "12" into 12 or drop unknown fields: what is scored is what was sent
  coerceTypes: false,
  removeAdditional: false,
});
ajv.addVocabulary(["x-messages"]);

const ISO_RE = new RegExp(ISO_TIME_PATTERN);
const MIN_TIMESTAMP_MS = Date.parse(MIN_TIMESTAMP);
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

/** Epoch ms of a time the schema's pattern accepted, or the problem with it. */
function time(v: string, now: number): number | string {
  const m = ISO_RE.exec(v) as RegExpExecArray;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || !realDate(m)) return `is not a valid date: ${JSON.stringify(v)}`;
  if (m[7] !== undefined && Number(m[7]) * 60 + Number(m[8]) > MAX_OFFSET_MINUTES) return "has a UTC offset beyond ±14:00";
  if (ms < MIN_TIMESTAMP_MS) return `is before ${MIN_TIMESTAMP}, the earliest time accepted`;
  if (ms > now + MAX_FUTURE_MS) return "is more than 5 minutes in the future";
  return ms;
}

function schemaProblems(validate: ValidateFunction): Located[] {
  return (validate.errors ?? []).map(fromAjv);
}

type TxBody = {
  transactionId: string;
  timestamp: string;
  cardId: string;
  merchantId: string;
  amount: number;
  currency?: string;
  merchantCategory?: string;
  country?: string;
  channel?: Transaction["channel"];
};

/** The transaction with its time in epoch ms; the body passed the schema, except maybe its time. */
function transaction(b: TxBody, at: readonly (string | number)[], now: number, found: Located[]): Transaction {
  const ms = time(b.timestamp, now);
  if (typeof ms === "string") found.push({ segments: [...at, "timestamp"], message: ms });
  const tx: { -readonly [K in keyof Transaction]: Transaction[K] } = {
    transactionId: b.transactionId,
    timestamp: ms as number,
    cardId: b.cardId,
    merchantId: b.merchantId,
    amount: b.amount,
  };
  if (b.currency !== undefined) tx.currency = b.currency;
  if (b.merchantCategory !== undefined) tx.merchantCategory = b.merchantCategory;
  if (b.country !== undefined) tx.country = b.country;
  if (b.channel !== undefined) tx.channel = b.channel;
  return tx;
}

const validateTx = ajv.compile(TransactionBody);

function fail(schema: Schema, found: Located[]): never {
  throw new ValidationError(report(schema as unknown as Record<string, unknown>, found));
}

export function parseTransaction(body: unknown, now = Date.now()): Transaction {
  if (!validateTx(body)) fail(TransactionBody, schemaProblems(validateTx));
  const found: Located[] = [];
  const tx = transaction(body as TxBody, [], now, found);
  if (found.length) fail(TransactionBody, found);
  return tx;
}

const batchValidators = new Map<number, { schema: Schema; validate: ValidateFunction }>();

/** The compiled batch schema for this BATCH_MAX (one per process in practice). */
export function batchSchema(max: number): { schema: Schema; validate: ValidateFunction } {
  let v = batchValidators.get(max);
  if (!v) {
    const schema = BatchBody(max);
    v = { schema, validate: ajv.compile(schema) };
    batchValidators.set(max, v);
  }
  return v;
}

export function parseBatch(body: unknown, max: number, now = Date.now()): Transaction[] {
  const { schema, validate } = batchSchema(max);
  const valid = validate(body);
  const found = valid ? [] : schemaProblems(validate);
  const list = typeof body === "object" && body !== null ? (body as { transactions?: unknown }).transactions : undefined;
  if (!Array.isArray(list)) fail(schema, found);
  // Times are checked for the items the schema accepts, so that every problem is listed at once.
  const failed = new Set(found.map((f) => f.segments[1]));
  const txs = new Array<Transaction>(list.length);
  for (let i = 0; i < list.length; i++) {
    if (!failed.has(i)) txs[i] = transaction(list[i] as TxBody, ["transactions", i], now, found);
  }
  if (found.length) fail(schema, found);
  return txs;
}

export interface Feedback {
  readonly transactionId: string;
  readonly label: Label;
  /** Epoch ms; the time of receipt when the client did not say. */
  readonly reportedAt: number;
}

const validateFeedback = ajv.compile(FeedbackBody);

export function parseFeedback(body: unknown, now = Date.now()): Feedback {
  if (!validateFeedback(body)) fail(FeedbackBody, schemaProblems(validateFeedback));
  const b = body as { transactionId: string; label: Label; reportedAt?: string };
  if (b.reportedAt === undefined) return { transactionId: b.transactionId, label: b.label, reportedAt: now };
  const ms = time(b.reportedAt, now);
  if (typeof ms === "string") fail(FeedbackBody, [{ segments: ["reportedAt"], message: ms }]);
  return { transactionId: b.transactionId, label: b.label, reportedAt: ms };
}

const validateId = ajv.compile(Id);

/** Path parameter of GET /v1/decisions/:transactionId (already URL-decoded). */
export function checkTransactionId(value: string): string {
  if (!validateId(value))
    fail(
      Id,
      schemaProblems(validateId).map((p) => ({ segments: ["transactionId"], message: p.message })),
    );
  return value;
}
