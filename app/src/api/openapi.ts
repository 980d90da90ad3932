/**
 * What the OpenAPI document (generated from the routes' schemas by @fastify/swagger, served at
 * /openapi.json and rendered at /docs) says beyond the schemas: the API's description, its
 * security scheme, and the error answers each kind of operation can give.
 */
import { Type } from "typebox";
import { ErrorBody, MAX_DEPTH } from "../serving/schemas";

interface Limits {
  readonly maxBodyBytes: number;
  readonly rateLimitPerMinute: number;
}

export const errorResponse = (description: string) => Type.Object(ErrorBody.properties, { description });

/** The errors of every /v1 operation. */
export const commonErrors = (l: Limits) => ({
  401: errorResponse("Missing or invalid X-API-Key."),
  429: errorResponse(
    `Rate limit (${l.rateLimitPerMinute || "no limit"} requests per key per minute) exceeded; Retry-After says when to retry.`,
  ),
  503: errorResponse("Not ready to serve (no model yet, decision buffer full, PostgreSQL unreachable); Retry-After says when to retry."),
});

/** The errors of an operation with a request body. */
export const bodyErrors = (l: Limits) => ({
  400: errorResponse(
    "Malformed JSON or a field that fails validation (every problem listed with its path). Unknown fields are rejected, " +
      `and so are a key given twice in one object and nesting deeper than ${MAX_DEPTH} levels.`,
  ),
  413: errorResponse(`Body larger than ${l.maxBodyBytes} bytes.`),
  415: errorResponse("Content-Type is not application/json, or names a charset other than utf-8."),
});

export function openApiInfo() {
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
    components: { securitySchemes: { apiKey: { type: "apiKey" as const, in: "header" as const, name: "X-API-Key" } } },
  };
}

/** The document without the schemas' `x-messages` (problem wording for validate.ts, not for clients). */
export function withoutMessages<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutMessages) as T;
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== "x-messages") out[k] = withoutMessages(v);
  return out as T;
}
