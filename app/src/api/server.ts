/**
 * The HTTP API on Fastify. Each operation declares its request and response schemas once
 * (serving/schemas.ts, routes.ts): requests are validated with them (Ajv, serving/validate.ts),
 * responses serialised with them (fast-json-stringify), and /openapi.json and /docs are generated
 * from them (@fastify/swagger), so the three cannot disagree.
 *
 * /v1/* needs X-API-Key, checked before the body is read; then the per-key rate limit; then the
 * body (Content-Type application/json, size-limited). Errors are JSON:
 * {"error": code, "message": text, "problems"?: [{path, message}]}, also for requests node:http
 * itself cannot parse (clientError).
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import swagger from "@fastify/swagger";
import type { FeatureStore } from "../features/types";
import type { DecisionLog } from "../store/decision-log";
import type { ApiKeys } from "./auth";
import type { ConsoleDeps } from "../console/plugin";
import { errorMessage, type Logger } from "../serving/log";
import type { Metrics } from "../serving/metrics";
import type { ModelHolder } from "../serving/model-holder";
import type { RateLimiter } from "../serving/rate-limit";
import type { ReadinessCheck } from "../serving/runtime";
import type { Scorer } from "../serving/scoring";
import { UnavailableError } from "../serving/scoring";
import { ValidationError, parseJson } from "../serving/validate";
import { clientError, errorBody, HttpError, JSON_TYPE, unreadBody } from "./http-errors";
import { registerDocs } from "./docs";
import { openApiInfo, withoutMessages } from "./openapi";
import { registerRoutes, ROUTE_LABELS } from "./routes";
import { tracedHandler } from "../telemetry/traced";
import { activeTraceIds } from "../telemetry/tracing";

export interface ApiDeps {
  readonly keys: ApiKeys;
  /** Undefined: no rate limit (RATE_LIMIT_PER_MINUTE=0). */
  readonly limiter: RateLimiter | undefined;
  readonly scorer: Scorer;
  readonly decisions: DecisionLog;
  readonly featureStore: FeatureStore;
  readonly models: ModelHolder;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly batchMax: number;
  readonly maxBodyBytes: number;
  readonly readiness: readonly ReadinessCheck[];
  readonly featureStoreTimeoutMs: number;
  readonly rateLimitPerMinute: number;
  /** A request at least this slow is logged (msg "request"), as every 5xx is: the slow-requests query's input. */
  readonly slowRequestLogMs: number;
  /** Serve /metrics on this listener too (only when METRICS_PORT equals PORT: it is not public). */
  readonly serveMetrics: boolean;
  /** The analyst console under /console; absent: not served. */
  readonly console?: ConsoleDeps;
  /** The node:http server's options (timeouts). */
  readonly serverOptions?: ServerOptions;
}

/**
 * What the handling learns of a request, for its metrics and "request" log line when the response
 * closes: the route it matched (set by the first hook) and the transaction a single scoring
 * request scores (a batch's are many: none). A property of the request rather than a WeakMap entry
 * (measured 0.6-0.8 us more per request in a micro-benchmark: the collector's ephemeron tables).
 */
interface RequestNote {
  route: string | undefined;
  transactionId: string | undefined;
}
const NOTE = Symbol("fraud-api request note");
type Noted = IncomingMessage & { [NOTE]?: RequestNote };
const noteOf = (req: IncomingMessage): RequestNote | undefined => (req as Noted)[NOTE];

export class Api {
  /** Requests being handled; SIGTERM waits for this to reach 0. */
  inflight = 0;
  draining = false;
  /** performance.now() at the last request's arrival: shutdown waits for a quiet listener. */
  lastRequestAt = 0;
  readonly server: Server;
  private readonly app: FastifyInstance;

  private constructor(readonly d: ApiDeps) {
    let server: Server | undefined;
    this.app = Fastify({
      // the app's logger (pino); no line per request (the metrics count them)
      loggerInstance: d.log.pino as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      // request.log is that logger itself, not a child made per request with Fastify's request id
      // (pino's child() measured 0.8-1.5 us): nothing reads the id, and the lines written through
      // request.log carry the request's trace id as every line does
      childLoggerFactory: (logger) => logger,
      // transactionIds may be 128 characters, and the decisions route reads them from the path
      routerOptions: { maxParamLength: 1024 },
      bodyLimit: d.maxBodyBytes,
      clientErrorHandler: clientError,
      serverFactory: (handler) => {
        server = createServer(
          d.serverOptions ?? {},
          tracedHandler(
            (req, res) => this.track(req, res, handler),
            (req) => noteOf(req)?.route,
          ),
        );
        return server;
      },
    });
    this.server = server as unknown as Server;
  }

  static async create(d: ApiDeps): Promise<Api> {
    const api = new Api(d);
    await api.configure();
    return api;
  }

  private async configure(): Promise<void> {
    const app = this.app;
    await app.register(swagger, {
      openapi: openApiInfo(),
      transform: ({ schema, url }) => ({ schema, url: openApiPath(url) }),
      transformObject: (doc) => withoutMessages("openapiObject" in doc ? doc.openapiObject : doc.swaggerObject),
    });
    await registerDocs(app);
    app.removeAllContentTypeParsers();
    // Every body route checks the Content-Type first (http-errors.ts, checkBodyHeaders): whatever
    // reaches the parser is JSON. parseJson also refuses a key twice and deep nesting.
    app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
      try {
        done(null, parseJson(body as string));
      } catch (err) {
        if (err instanceof ValidationError) done(err as unknown as FastifyError);
        else done(new HttpError(400, "malformed_json", `body is not valid JSON: ${errorMessage(err)}`) as unknown as FastifyError);
      }
    });
    app.addHook("onRequest", (req, _reply, done) => {
      const note = noteOf(req.raw);
      if (note) note.route = ROUTE_LABELS[req.routeOptions.url ?? ""] ?? req.routeOptions.url ?? "unmatched";
      done();
    });
    app.setErrorHandler((err, req, reply) => this.fail(err, req, reply));
    app.setNotFoundHandler((req, reply) => this.notFound(req, reply));
    registerRoutes(app, this);
    await app.ready();
  }

  /** The OpenAPI document generated from the routes' schemas. */
  openapi(): object {
    return this.app.swagger();
  }

  metricsText(): Promise<string> {
    return this.d.metrics.registry.metrics();
  }

  /** Counts the request in flight and in the request metrics, around Fastify's handling of it. */
  private track(req: IncomingMessage, res: ServerResponse, handle: (req: IncomingMessage, res: ServerResponse) => void): void {
    const started = performance.now();
    this.lastRequestAt = started;
    this.inflight++;
    if (this.draining) res.setHeader("Connection", "close");
    // taken now: the response's events do not run in the request's trace context
    const ids = activeTraceIds();
    const note: RequestNote = { route: undefined, transactionId: undefined };
    (req as Noted)[NOTE] = note;
    res.on("close", () => {
      this.inflight--;
      const route = note.route ?? "unmatched";
      const ms = performance.now() - started;
      this.d.metrics.http(route, req.method ?? "GET", res.statusCode).observe(ms / 1000);
      // one line per failed or slow request (every request would be thousands a second), with
      // the fields the saved log queries read (LOG_FIELDS)
      if (res.statusCode >= 500 || ms >= this.d.slowRequestLogMs) {
        const fields = {
          route,
          method: req.method ?? "GET",
          status: res.statusCode,
          durationMs: Math.round(ms * 10) / 10,
          transactionId: note.transactionId,
          ...ids,
        };
        if (res.statusCode >= 500) this.d.log.warn("request", fields);
        else this.d.log.info("request", fields);
      }
    });
    handle(req, res);
  }

  /** Names the transaction `req` scores, for its "request" log line. */
  noteTransaction(req: IncomingMessage, transactionId: string): void {
    const note = noteOf(req);
    if (note) note.transactionId = transactionId;
  }

  private notFound(req: FastifyRequest, reply: FastifyReply): void {
    const path = req.url.split("?", 1)[0];
    const allowed = ALLOW[path] ?? (path.startsWith("/v1/decisions/") ? "GET" : undefined);
    if (allowed === undefined) throw new HttpError(404, "not_found", `no route for ${req.method} ${path}`);
    const route = path.startsWith("/v1/decisions/") ? "/v1/decisions/:transactionId" : path;
    const note = noteOf(req.raw);
    if (note) note.route = route;
    this.fail(new HttpError(405, "method_not_allowed", `${route} accepts ${allowed}`, { Allow: allowed }), req, reply);
  }

  private fail(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
    if (reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const close: Record<string, string> = unreadBody(req.raw) ? { Connection: "close" } : {};
    const known = httpError(err, this.d.maxBodyBytes);
    if (known) {
      reply
        .code(known.status)
        .headers({ ...known.headers, ...close })
        .type(JSON_TYPE)
        .send(errorBody(known.code, known.message, err instanceof ValidationError ? err.problems : undefined));
      return;
    }
    req.log.error({ error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined }, "request failed");
    reply.code(500).headers(close).type(JSON_TYPE).send(errorBody("internal", "internal error"));
  }
}

/** GET-only paths besides /v1 (a wrong method on them is a 405). */
const ALLOW: Record<string, string> = {
  "/v1/score": "POST",
  "/v1/score/batch": "POST",
  "/v1/feedback": "POST",
  "/healthz": "GET",
  "/readyz": "GET",
  "/docs": "GET",
  "/openapi.json": "GET",
};

/** The decisions route takes the rest of the path (an id may hold a slash); the document names it. */
function openApiPath(url: string): string {
  return url === "/v1/decisions/*" ? "/v1/decisions/{transactionId}" : url;
}

/** The error as an HTTP status, code and message, or undefined for an unexpected one (a 500). */
function httpError(err: unknown, bodyLimit: number): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof ValidationError) return new HttpError(400, "invalid_request", err.message);
  if (err instanceof UnavailableError) {
    return new HttpError(503, "unavailable", err.message, { "Retry-After": String(err.retryAfterSeconds) });
  }
  const code = (err as { code?: string }).code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new HttpError(413, "payload_too_large", `body exceeds the limit of ${bodyLimit} bytes`, { Connection: "close" });
  }
  const status = (err as { statusCode?: number }).statusCode;
  if (code?.startsWith("FST_") && status !== undefined && status >= 400 && status < 500) {
    return new HttpError(status, "bad_request", errorMessage(err));
  }
  return undefined;
}
