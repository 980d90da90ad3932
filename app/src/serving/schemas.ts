/**
 * The API's wire contract, one JSON Schema (TypeBox) per shape: the API's routes validate requests
 * and serialise responses with them, /openapi.json and /docs are generated from them, and the
 * stream worker validates its messages with the same Transaction schema (serving/validate.ts).
 *
 * `x-messages` annotates a schema with the wording of its problems, by failing JSON Schema keyword
 * (validate.ts fills in {got}, {type}, {count}, {limit}); keywords without one get a generic message.
 */
import { Type, type TSchema } from "typebox";
import { CHANNELS, FEATURE_NAMES } from "../features/types";
import { DECISIONS, LABELS } from "../domain/decision";

/** One cent: a smaller amount rounds to 0 in minor units and divides features (ratios to the card's mean) by 0. */
export const MIN_AMOUNT = 0.01;
export const MAX_AMOUNT = 1e9;
/**
 * Timestamps are accepted from 2000-01-01T00:00:00Z to 5 minutes past the clock. Every value in
 * that range is one PostgreSQL's timestamptz stores (year 0, negative years and years past 9999
 * are refused, and the write-behind batch with them), whose epoch ms, UTC hour and day buckets
 * (int32 in the Redis layout) and weekday arithmetic stay positive and small, and which is near the
 * data the model is trained on. A card transaction or a chargeback older than 2000 has no business
 * in a real-time scorer.
 */
export const MIN_TIMESTAMP = "2000-01-01T00:00:00Z";
/** Clock skew tolerated for timestamps in the future. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** UTC offsets in use span -12:00 to +14:00; beyond ±14:00 is a typo or an attack, not a time zone. */
export const MAX_OFFSET_MINUTES = 14 * 60;
/** Nesting refused beyond this: a valid body nests 3 levels (`{"transactions": [{...}]}`). */
export const MAX_DEPTH = 16;

/** Offset required: a timestamp without one is ambiguous, and features depend on the local hour. */
export const ISO_TIME_PATTERN = "^(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.\\d{1,9})?)?(?:Z|[+-](\\d{2}):(\\d{2}))$";
const ID_PATTERN = "^[\\x21-\\x7e]{1,128}$";
const ID_TEXT = "1 to 128 printable ASCII characters without spaces";

export const Id = Type.String({ pattern: ID_PATTERN, description: `${ID_TEXT}.`, "x-messages": { pattern: `must be ${ID_TEXT}` } });

const timeRange = `UTC offset within ±14:00; from ${MIN_TIMESTAMP} to at most 5 minutes in the future`;
/** Checked further than the pattern by validate.ts: a real calendar date, the offset and the range. */
const Time = (description: string) =>
  Type.String({
    pattern: ISO_TIME_PATTERN,
    description: `${description} ISO 8601 with a ${timeRange}.`,
    "x-messages": {
      type: "must be an ISO 8601 string, got {type}",
      pattern: "must be ISO 8601 with a UTC offset, e.g. 2024-03-01T12:30:00Z (got {text})",
    },
  });

const code = (pattern: string, what: string, description: string) =>
  Type.String({ pattern, description, "x-messages": { type: `must be ${what}, got {got}`, pattern: `must be ${what}, got {got}` } });

const oneOf = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values], "x-messages": { type: `must be one of ${values.join(", ")}, got {got}` } });

export const exampleTransaction = {
  transactionId: "tx-0001",
  timestamp: "2024-03-01T23:30:00Z",
  cardId: "card-42",
  merchantId: "merchant-7",
  amount: 129.99,
  currency: "EUR",
  merchantCategory: "5411",
  country: "FR",
  channel: "ecom",
};

/** A card transaction as clients send it; validate.ts turns `timestamp` into epoch ms. */
export const TransactionBody = Type.Object(
  {
    transactionId: Id,
    timestamp: Time("When the transaction happened:"),
    cardId: Id,
    merchantId: Id,
    amount: Type.Number({ minimum: MIN_AMOUNT, maximum: MAX_AMOUNT, description: "Major units, e.g. 12.34; at least one cent." }),
    currency: Type.Optional(code("^[A-Z]{3}$", "an ISO 4217 code (3 capital letters)", "ISO 4217.")),
    merchantCategory: Type.Optional(code("^\\d{4}$", "a 4-digit merchant category code", "Merchant category code (MCC).")),
    country: Type.Optional(code("^[A-Z]{2}$", "an ISO 3166-1 alpha-2 code (2 capital letters)", "ISO 3166-1 alpha-2.")),
    channel: Type.Optional(oneOf(CHANNELS)),
  },
  { additionalProperties: false, examples: [exampleTransaction] },
);

/** POST /v1/score/batch; the most transactions per batch is a setting (BATCH_MAX). */
export const BatchBody = (batchMax: number) =>
  Type.Object(
    {
      transactions: Type.Array(TransactionBody, {
        minItems: 1,
        maxItems: batchMax,
        "x-messages": {
          minItems: "must hold at least one transaction",
          maxItems: `holds {count} transactions; the maximum per batch is {limit} (BATCH_MAX)`,
        },
      }),
    },
    {
      additionalProperties: false,
      "x-messages": { type: 'body must be an object {"transactions": [...]}, got {type}' },
      examples: [{ transactions: [exampleTransaction, { ...exampleTransaction, transactionId: "tx-0002", amount: 15 }] }],
    },
  );

export const FeedbackBody = Type.Object(
  {
    transactionId: Id,
    label: oneOf(LABELS),
    reportedAt: Type.Optional(Time("When the label was reported (default: when received):")),
  },
  {
    additionalProperties: false,
    "x-messages": { type: "body must be an object, got {type}" },
    examples: [{ transactionId: "tx-0001", label: "fraud", reportedAt: "2024-03-02T10:00:00Z" }],
  },
);

export const Reason = Type.Object({
  feature: oneOf(FEATURE_NAMES),
  value: Type.Union([Type.Number(), Type.Null()], { description: "null when the feature was unavailable (degraded)." }),
  contribution: Type.Number({ description: "Contribution to the score in log-odds." }),
  description: Type.String({ examples: ["amount is 8.2x the card's 30-day mean"] }),
});

const decisionFields = {
  transactionId: Id,
  score: Type.Number({ minimum: 0, maximum: 1 }),
  decision: oneOf(DECISIONS),
  reasons: Type.Array(Reason, { maxItems: 3, description: "Features that raised the score most." }),
  modelVersion: Type.String(),
  degraded: Type.Boolean({ description: "True when scored without the feature store." }),
};

export const Decision = Type.Object(decisionFields);

/** GET /v1/decisions/{transactionId}: the decision, the transaction's time, and its standing label. */
export const StoredDecision = Type.Object(
  {
    ...decisionFields,
    timestamp: Type.String({ format: "date-time", description: "The transaction's time, UTC." }),
    label: Type.Optional(
      Type.Union([Type.Object({ label: oneOf(LABELS), reportedAt: Type.String({ format: "date-time" }) }), Type.Null()], {
        description: "The standing label; null: none; absent: PostgreSQL unreachable.",
      }),
    ),
  },
  { description: "The decision, the transaction's time, and its standing label." },
);

export const DecisionList = Type.Object({ decisions: Type.Array(Decision, { description: "Decisions in request order." }) });

export const FeedbackResult = Type.Object({
  transactionId: Id,
  stored: Type.Boolean(),
  featuresUpdated: Type.Boolean(),
  note: Type.Optional(Type.String()),
});

export const Problem = Type.Object({
  path: Type.String({ description: "JSON path of the offending value, e.g. `transactions[3].amount`." }),
  message: Type.String(),
});

export const ErrorBody = Type.Object({
  error: Type.String({ description: "A stable code: invalid_request, unauthorized, rate_limited, unavailable..." }),
  message: Type.String(),
  problems: Type.Optional(Type.Array(Problem)),
});

export const Health = Type.Object({ status: Type.Literal("ok") });

export const Readiness = Type.Object({
  status: oneOf(["ready", "not ready"] as const),
  checks: Type.Record(Type.String(), Type.String(), { description: "Each dependency's state, or why it failed." }),
});

export type Schema = TSchema;
