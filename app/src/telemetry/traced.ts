/**
 * Spans at the seams the app owns, each a wrapper that is only put in place when tracing is on:
 * the HTTP server's handler, the feature store (Redis), the SQL client (PostgreSQL) and AWS SDK
 * client (S3). Attribute names follow OpenTelemetry's semantic conventions.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { S3Client } from "@aws-sdk/client-s3";
import type { FeatureStore } from "../features/types";
import type { SqlClient } from "../store/sql";
import { endSpan, inChildSpan, inSpan, SpanKind, startRequest, tracingEnabled, withContext } from "./tracing";

/**
 * A SERVER span per sampled request, child of the caller's traceparent when it sends one, ended
 * when the response is finished (or the connection closes first) and named then for the route the
 * server matched (`route`: the template, as the request metrics label it; bounded cardinality).
 * Sampling is decided once as the request arrives (startRequest): a request not sampled runs with
 * no span and, unless its caller sent a trace (kept for the log lines), no context either.
 */
export function tracedHandler(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  route: (req: IncomingMessage) => string | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (!tracingEnabled()) return handle;
  return (req, res) => {
    const method = req.method ?? "GET";
    const t = startRequest(req.headers, method, SpanKind.SERVER, () => ({ "http.request.method": method }));
    if (!t.context) return handle(req, res);
    const span = t.span;
    if (span) {
      let ended = false;
      const end = () => {
        if (ended) return;
        ended = true;
        const matched = route(req) ?? "unmatched";
        span.updateName(`${method} ${matched}`);
        span.setAttribute("http.route", matched);
        span.setAttribute("http.response.status_code", res.statusCode);
        endSpan(span, res.statusCode >= 500 ? new Error(`HTTP ${res.statusCode}`) : undefined);
      };
      res.once("finish", end);
      res.once("close", end);
    }
    withContext(t.context, () => handle(req, res));
  };
}

/** The feature store's calls as CLIENT spans of Redis in a sampled trace (one script call per 100 transactions). */
export function tracedFeatureStore(store: FeatureStore): FeatureStore {
  const redis = (name: string, n: number) => () => ({ name, attributes: { "db.system.name": "redis", "fraud.transactions": n } });
  return {
    observe: (tx) => inChildSpan(redis("redis observe", 1), () => store.observe(tx), SpanKind.CLIENT),
    observeMany: (txs) => inChildSpan(redis("redis observe", txs.length), () => store.observeMany(txs), SpanKind.CLIENT),
    recordFraudLabel: (l) => inChildSpan(redis("redis label", 1), () => store.recordFraudLabel(l), SpanKind.CLIENT),
    retractFraudLabel: (l) => inChildSpan(redis("redis label", 1), () => store.retractFraudLabel(l), SpanKind.CLIENT),
    close: () => store.close(),
  };
}

/** The first keyword of a statement (SELECT, INSERT, COPY...): a span name of bounded cardinality. */
function operation(statement: string): string {
  const m = /^\s*([A-Za-z]+)/.exec(statement);
  return m ? m[1].toUpperCase() : "SQL";
}

/** The SQL client's statements as CLIENT spans of PostgreSQL in a sampled trace. */
export function tracedSql(sql: SqlClient): SqlClient {
  const statement = (text: string) => () => {
    const op = operation(text);
    return { name: `pg ${op}`, attributes: { "db.system.name": "postgresql", "db.operation.name": op } };
  };
  const traced: SqlClient = {
    query: (text, params) => inChildSpan(statement(text), () => sql.query(text, params), SpanKind.CLIENT),
    transaction: (fn) =>
      inChildSpan(
        () => ({ name: "pg transaction", attributes: { "db.system.name": "postgresql" } }),
        () => sql.transaction(fn),
        SpanKind.CLIENT,
      ),
    close: () => sql.close(),
  };
  const copyIn = sql.copyIn;
  if (copyIn)
    traced.copyIn = (text, rows, timeoutMs) => inChildSpan(statement(text), () => copyIn.call(sql, text, rows, timeoutMs), SpanKind.CLIENT);
  return traced;
}

/** A CLIENT span per S3 command (`S3.GetObject`), through the client's middleware stack. */
export function traceS3Client(client: S3Client): S3Client {
  if (!tracingEnabled()) return client;
  client.middlewareStack.add(
    (next, ctx) => (args) => {
      const method = ctx.commandName?.replace(/Command$/, "") ?? "call";
      return inSpan(
        `S3.${method}`,
        { "rpc.system": "aws-api", "rpc.service": "S3", "rpc.method": method },
        () => next(args),
        SpanKind.CLIENT,
      );
    },
    { step: "initialize", name: "fraudTracing" },
  );
  return client;
}
