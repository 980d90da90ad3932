/** The OpenAPI 3.1 document served at /openapi.json and rendered at /docs. */
import { CHANNELS, FEATURE_NAMES } from "../features/types";
import { DECISIONS, LABELS } from "../domain/decision";
import { MAX_DEPTH, MIN_AMOUNT, MIN_TIMESTAMP } from "../serving/validate";

const ID = { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$", description: "1 to 128 printable ASCII characters, no spaces." };
const ERROR_REF = { $ref: "#/components/schemas/Error" };
const errorResponse = (description: string, headers?: object) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/json": { schema: ERROR_REF } },
});
/** The range validate.ts accepts (and why, there): every time in it is one PostgreSQL, the features and the model handle. */
const timeRange = `UTC offset within ±14:00; from ${MIN_TIMESTAMP} to at most 5 minutes in the future`;
const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer" } } };

const exampleTx = {
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

export function openApiDocument(opts: { batchMax: number; maxBodyBytes: number; rateLimitPerMinute: number }): object {
  const common = {
    "401": errorResponse("Missing or invalid X-API-Key."),
    "429": errorResponse(`Rate limit (${opts.rateLimitPerMinute || "no limit"} requests per key per minute) exceeded.`, RETRY_AFTER),
    "503": errorResponse("Not ready to serve (no model yet, decision buffer full, PostgreSQL unreachable).", RETRY_AFTER),
  };
  const bodyErrors = {
    "400": errorResponse(
      "Malformed JSON or a field that fails validation (every problem listed with its path). Unknown fields are rejected, " +
        `and so are a key given twice in one object and nesting deeper than ${MAX_DEPTH} levels.`,
    ),
    "413": errorResponse(`Body larger than ${opts.maxBodyBytes} bytes.`),
    "415": errorResponse("Content-Type is not application/json, or names a charset other than utf-8."),
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "Fraud scoring API",
      version: "1.0.0",
      description:
        "Scores card transactions in real time. Every /v1 call needs an `X-API-Key` header. " +
        "Scoring is idempotent per transactionId: scoring it again returns the stored decision. " +
        "When the feature store (Redis) is unavailable, decisions are computed from the transaction alone and marked `degraded: true`. " +
        "Prometheus metrics are served at /metrics on the separate metrics port (METRICS_PORT).",
    },
    components: {
      securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "X-API-Key" } },
      schemas: {
        Transaction: {
          type: "object",
          additionalProperties: false,
          required: ["transactionId", "timestamp", "cardId", "merchantId", "amount"],
          properties: {
            transactionId: ID,
            timestamp: { type: "string", format: "date-time", description: `ISO 8601 with a ${timeRange}.` },
            cardId: ID,
            merchantId: ID,
            amount: { type: "number", minimum: MIN_AMOUNT, maximum: 1e9, description: "Major units, e.g. 12.34; at least one cent." },
            currency: { type: "string", pattern: "^[A-Z]{3}$", description: "ISO 4217." },
            merchantCategory: { type: "string", pattern: "^\\d{4}$", description: "Merchant category code (MCC)." },
            country: { type: "string", pattern: "^[A-Z]{2}$", description: "ISO 3166-1 alpha-2." },
            channel: { type: "string", enum: [...CHANNELS] },
          },
          example: exampleTx,
        },
        Reason: {
          type: "object",
          properties: {
            feature: { type: "string", enum: [...FEATURE_NAMES] },
            value: { type: ["number", "null"], description: "null when the feature was unavailable (degraded)." },
            contribution: { type: "number", description: "Contribution to the score in log-odds." },
            description: { type: "string", example: "amount is 8.2x the card's 30-day mean" },
          },
        },
        Decision: {
          type: "object",
          properties: {
            transactionId: ID,
            score: { type: "number", minimum: 0, maximum: 1 },
            decision: { type: "string", enum: [...DECISIONS] },
            reasons: {
              type: "array",
              maxItems: 3,
              items: { $ref: "#/components/schemas/Reason" },
              description: "Features that raised the score most.",
            },
            modelVersion: { type: "string" },
            degraded: { type: "boolean", description: "True when scored without the feature store." },
          },
        },
        Feedback: {
          type: "object",
          additionalProperties: false,
          required: ["transactionId", "label"],
          properties: {
            transactionId: ID,
            label: { type: "string", enum: [...LABELS] },
            reportedAt: {
              type: "string",
              format: "date-time",
              description: `When the label became known (ISO 8601 with a ${timeRange}); defaults to the time of receipt.`,
            },
          },
          example: { transactionId: "tx-0001", label: "fraud", reportedAt: "2024-03-05T10:00:00Z" },
        },
        Error: {
          type: "object",
          required: ["error", "message"],
          properties: {
            error: { type: "string" },
            message: { type: "string" },
            problems: { type: "array", items: { type: "object", properties: { path: { type: "string" }, message: { type: "string" } } } },
          },
        },
      },
    },
    paths: {
      "/v1/score": {
        post: {
          summary: "Score one transaction",
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Transaction" }, example: exampleTx } },
          },
          responses: {
            "200": { description: "The decision.", content: { "application/json": { schema: { $ref: "#/components/schemas/Decision" } } } },
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/v1/score/batch": {
        post: {
          summary: `Score up to ${opts.batchMax} transactions in order`,
          security: [{ apiKey: [] }],
          requestBody: {
            required: true,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  required: ["transactions"],
                  properties: {
                    transactions: {
                      type: "array",
                      minItems: 1,
                      maxItems: opts.batchMax,
                      items: { $ref: "#/components/schemas/Transaction" },
                    },
                  },
                },
                example: { transactions: [exampleTx, { ...exampleTx, transactionId: "tx-0002", amount: 15 }] },
              },
            },
          },
          responses: {
            "200": {
              description: "Decisions in request order.",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: { decisions: { type: "array", items: { $ref: "#/components/schemas/Decision" } } },
                  },
                },
              },
            },
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/v1/feedback": {
        post: {
          summary: "Label a scored transaction",
          description:
            "Stores the label; a fraud label also counts in the merchant's fraud-risk features from reportedAt on, a legit one withdraws it. " +
            "A transaction's labels apply in reportedAt order, whatever order they arrive in: a label reported no later than the one stored " +
            "changes nothing (stored: false, and the note names the label that stands); at equal times legit stands. Retrying is safe.",
          security: [{ apiKey: [] }],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Feedback" } } } },
          responses: {
            "200": {
              description: "Stored, or (stored: false) superseded by a label reported later.",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    properties: {
                      transactionId: ID,
                      stored: { type: "boolean" },
                      featuresUpdated: { type: "boolean" },
                      note: { type: "string" },
                    },
                  },
                },
              },
            },
            ...bodyErrors,
            ...common,
          },
        },
      },
      "/v1/decisions/{transactionId}": {
        get: {
          summary: "The stored decision for a transaction",
          security: [{ apiKey: [] }],
          parameters: [{ name: "transactionId", in: "path", required: true, schema: ID, example: "tx-0001" }],
          responses: {
            "200": {
              description: "The decision, the transaction's time, and its standing label (null: none; absent: PostgreSQL unreachable).",
              content: {
                "application/json": {
                  schema: {
                    allOf: [
                      { $ref: "#/components/schemas/Decision" },
                      {
                        type: "object",
                        properties: {
                          timestamp: { type: "string", format: "date-time" },
                          label: {
                            type: ["object", "null"],
                            properties: {
                              label: { type: "string", enum: [...LABELS] },
                              reportedAt: { type: "string", format: "date-time" },
                            },
                          },
                        },
                      },
                    ],
                  },
                },
              },
            },
            "404": errorResponse("No decision for this transaction."),
            ...common,
          },
        },
      },
      "/healthz": { get: { summary: "Liveness: the process answers", responses: { "200": { description: "Alive." } } } },
      "/readyz": {
        get: {
          summary: "Readiness: model loaded, Redis and PostgreSQL reachable",
          parameters: [
            {
              name: "dependencies",
              in: "query",
              required: false,
              schema: { type: "string", enum: ["report"] },
              description:
                "`report`: Redis and PostgreSQL are reported but do not fail the check (for probes: the API keeps scoring through their outages).",
            },
          ],
          responses: { "200": { description: "Ready." }, "503": { description: "Not ready; `checks` says why." } },
        },
      },
    },
  };
}
