/**
 * The HTTP API on bare node:http: a switch on method and path, no framework, so the hot path is
 * parse, validate, score, serialise (see `npm run bench:api` for what that buys).
 *
 * /v1/* needs X-API-Key, checked before the body is read; then the per-key rate limit; then the
 * body (Content-Type application/json, size-limited). Errors are JSON:
 * {"error": code, "message": text, "problems"?: [{path, message}]}, also for requests node:http
 * itself cannot parse (clientError).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Duplex } from "node:stream";
import type { FeatureStore } from "../features/types";
import type { DecisionLog } from "../store/decision-log";
import { ConsoleRoutes } from "../console/http";
import { applyFeedback } from "../serving/feedback";
import type { ApiKeys } from "./auth";
import { withTimeout } from "../serving/deadline";
import { docsPage } from "./docs-page";
import { errorMessage, type Logger } from "../serving/log";
import type { Metrics } from "../serving/metrics";
import type { ModelHolder } from "../serving/model-holder";
import type { RateLimiter } from "../serving/rate-limit";
import type { ReadinessCheck } from "../serving/runtime";
import { decisionJson, type Scorer, UnavailableError } from "../serving/scoring";
import {
  checkTransactionId,
  parseBatch,
  parseFeedback,
  parseJson as parseJsonText,
  parseTransaction,
  ValidationError,
} from "../serving/validate";

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
  readonly openapi: object;
  /** Serve /metrics on this listener too (only when METRICS_PORT equals PORT: it is not public). */
  readonly serveMetrics: boolean;
  /** The analyst console under /console; absent: not served. */
  readonly console?: ConsoleRoutes;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const JSON_TYPE = "application/json; charset=utf-8";
const READY_TIMEOUT_MS = 1000;

function send(res: ServerResponse, status: number, body: string, type = JSON_TYPE, headers?: Record<string, string>): void {
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function errorBody(code: string, message: string, problems?: unknown): string {
  return JSON.stringify(problems ? { error: code, message, problems } : { error: code, message });
}

/**
 * The value of header `lowerName`, from the raw header list: reading `req.headers` builds an object
 * of every header on first access (1.5% of the API's CPU under load). A header sent more than
 * once is refused here (null) rather than merged or picked.
 */
function header(req: IncomingMessage, lowerName: string): string | undefined | null {
  const raw = req.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      if (found !== undefined) return null;
      found = raw[i + 1];
    }
  }
  return found;
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const type = header(req, "content-type");
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    return Promise.reject(new HttpError(415, "unsupported_media_type", "Content-Type must be application/json"));
  }
  // JSON is UTF-8 (RFC 8259) and the body is decoded as such: a body declared in another charset
  // would be scored from misread text.
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    const got = JSON.stringify(charset.slice(0, 40));
    return Promise.reject(new HttpError(415, "unsupported_media_type", `Content-Type charset must be utf-8, got ${got}`));
  }
  const declared = Number(header(req, "content-length"));
  if (declared > limit) {
    // close rather than read (and discard) a body this large to keep the connection
    return Promise.reject(
      new HttpError(413, "payload_too_large", `body is ${declared} bytes; the limit is ${limit}`, { Connection: "close" }),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, "payload_too_large", `body exceeds the limit of ${limit} bytes`, { Connection: "close" }));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Invalid JSON is malformed_json; valid JSON this API refuses (a key twice, too deep) a ValidationError. */
function parseJson(text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new HttpError(400, "malformed_json", `body is not valid JSON: ${errorMessage(err)}`);
  }
}

/** What node:http answers to a request it cannot parse, by its error code; 400 for the rest. */
const CLIENT_ERRORS: Record<string, readonly [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "headers_too_large", "request headers are too large"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "Payload Too Large", "payload_too_large", "chunk extensions are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request_timeout", "the request was not received in time"],
};

export class Api {
  /** Requests being handled; SIGTERM waits for this to reach 0. */
  inflight = 0;
  draining = false;
  /** performance.now() at the last request's arrival: shutdown waits for a quiet listener. */
  lastRequestAt = 0;
  private readonly docsHtml: string;
  private readonly openapiJson: string;

  constructor(private readonly d: ApiDeps) {
    this.openapiJson = JSON.stringify(d.openapi);
    this.docsHtml = docsPage("/openapi.json");
  }

  /** The node:http request listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    let route = "unmatched";
    this.lastRequestAt = started;
    this.inflight++;
    if (this.draining) res.setHeader("Connection", "close");
    res.on("close", () => {
      this.inflight--;
      this.d.metrics.http(route, method, res.statusCode).observe((performance.now() - started) / 1000);
    });
    const fail = (err: unknown) => this.fail(req, res, err);
    try {
      if (path === "/v1/score" || path === "/v1/score/batch" || path === "/v1/feedback") {
        route = path;
        if (method !== "POST") throw new HttpError(405, "method_not_allowed", `${path} accepts POST`, { Allow: "POST" });
        this.v1(req, res, path).catch(fail);
      } else if (path.startsWith("/v1/decisions/")) {
        route = "/v1/decisions/:transactionId";
        if (method !== "GET") throw new HttpError(405, "method_not_allowed", `${route} accepts GET`, { Allow: "GET" });
        this.v1(req, res, route, path.slice("/v1/decisions/".length)).catch(fail);
      } else if (this.d.console && ConsoleRoutes.owns(path)) {
        route = ConsoleRoutes.route(path);
        this.d.console.handle(req, res, path, new URLSearchParams(q < 0 ? "" : url.slice(q + 1)));
      } else if (method !== "GET" && method !== "HEAD") {
        route = path === "/healthz" || path === "/readyz" || path === "/docs" || path === "/openapi.json" ? path : route;
        throw route === "unmatched"
          ? new HttpError(404, "not_found", `no route for ${method} ${path}`)
          : new HttpError(405, "method_not_allowed", `${path} accepts GET`, { Allow: "GET" });
      } else if (path === "/healthz") {
        route = path;
        send(res, 200, '{"status":"ok"}');
      } else if (path === "/readyz") {
        route = path;
        this.ready(res, q >= 0 && new URLSearchParams(url.slice(q + 1)).get("dependencies") === "report").catch(fail);
      } else if (path === "/metrics" && this.d.serveMetrics) {
        route = path;
        this.metricsText().then((text) => send(res, 200, text, this.d.metrics.registry.contentType), fail);
      } else if (path === "/openapi.json") {
        route = path;
        send(res, 200, this.openapiJson);
      } else if (path === "/docs" || path === "/docs/") {
        route = "/docs";
        send(res, 200, this.docsHtml, "text/html; charset=utf-8", {
          "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'",
        });
      } else if (path === "/") {
        route = "/";
        send(res, 302, "", "text/plain", { Location: "/docs" });
      } else throw new HttpError(404, "not_found", `no route for ${method} ${path}`);
    } catch (err) {
      fail(err);
    }
  };

  /**
   * node:http's 'clientError' listener: a request it could not parse (CR or LF in a header value,
   * both Content-Length and Transfer-Encoding...), which node answers with an empty, non-JSON 400.
   * The same statuses, in the API's error format. As node does, nothing is written once a response
   * on this connection has started (it would corrupt it), and the connection is closed.
   */
  readonly clientError = (err: Error & { code?: string }, socket: Duplex): void => {
    const responding = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || responding?.headersSent) {
      socket.destroy();
      return;
    }
    const known = CLIENT_ERRORS[err.code ?? ""];
    const [status, reason, code, message] = known ?? [
      400,
      "Bad Request",
      "bad_request",
      `malformed HTTP request: ${err.message.slice(0, 200)}`,
    ];
    const body = errorBody(code, message);
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      () => socket.destroy(),
    );
  };

  metricsText(): Promise<string> {
    return this.d.metrics.registry.metrics();
  }

  private async v1(req: IncomingMessage, res: ServerResponse, route: string, param?: string): Promise<void> {
    const key = header(req, "x-api-key");
    const identity = this.d.keys.check(key ?? undefined);
    if (!identity) {
      const why = key === null ? "more than one X-API-Key header" : key ? "invalid API key" : "missing X-API-Key header";
      throw new HttpError(401, "unauthorized", why, { "WWW-Authenticate": 'ApiKey realm="fraud-api"' });
    }
    if (this.d.limiter) {
      const limited = this.d.limiter.take(identity.id);
      const wait = typeof limited === "number" ? limited : await limited;
      if (wait > 0) {
        this.d.metrics.rateLimited.inc();
        throw new HttpError(429, "rate_limited", `rate limit exceeded for this API key; retry in ${wait} s`, {
          "Retry-After": String(wait),
        });
      }
    }
    switch (route) {
      case "/v1/score": {
        const tx = parseTransaction(parseJson(await readBody(req, this.d.maxBodyBytes)));
        send(res, 200, decisionJson(await this.d.scorer.score(tx)));
        return;
      }
      case "/v1/score/batch": {
        const txs = parseBatch(parseJson(await readBody(req, this.d.maxBodyBytes)), this.d.batchMax);
        const decisions = await this.d.scorer.scoreBatch(txs);
        let body = '{"decisions":[';
        for (let i = 0; i < decisions.length; i++) body += (i === 0 ? "" : ",") + decisionJson(decisions[i]);
        send(res, 200, body + "]}");
        return;
      }
      case "/v1/feedback": {
        const fb = parseFeedback(parseJson(await readBody(req, this.d.maxBodyBytes)));
        send(res, 200, JSON.stringify(await applyFeedback(this.d, fb)));
        return;
      }
      default: {
        let id: string;
        try {
          id = checkTransactionId(decodeURIComponent(param ?? ""));
        } catch (err) {
          if (err instanceof ValidationError) throw err;
          throw new HttpError(400, "invalid_request", "transactionId is not valid percent-encoding");
        }
        // the label is PostgreSQL's alone: while it is unreachable the decision comes without one
        const [found, label] = await Promise.all([
          this.d.decisions.get(id).catch((err: unknown) => {
            throw new UnavailableError(`decision log unavailable: ${errorMessage(err)}`, 5);
          }),
          this.d.decisions.labelOf(id).then(
            (l) => l ?? null,
            () => undefined,
          ),
        ]);
        if (!found) throw new HttpError(404, "not_found", `no decision for transaction ${JSON.stringify(id)}`);
        send(res, 200, decisionJson(found, true, label));
      }
    }
  }

  /**
   * `dependencies=report`: Redis and PostgreSQL are checked and reported but do not fail the
   * answer. For load-balancer health and readiness probes: a shared dependency's outage would
   * otherwise take every replica out of service at once, when this API is built to keep scoring
   * through it (degraded without Redis, buffering without PostgreSQL).
   */
  private async ready(res: ServerResponse, reportOnly: boolean): Promise<void> {
    const checks: Record<string, string> = {};
    let ok = !this.draining;
    if (this.draining) checks.shutdown = "draining";
    const model = this.d.models.current;
    checks.model = model ? `ok (${model.version})` : "no model loaded";
    ok &&= model !== undefined;
    await Promise.all(
      this.d.readiness.map(async (c) => {
        try {
          await withTimeout(c.check(), READY_TIMEOUT_MS, c.name);
          checks[c.name] = "ok";
        } catch (err) {
          if (!reportOnly) ok = false;
          checks[c.name] = errorMessage(err);
        }
      }),
    );
    send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? "ready" : "not ready", checks }));
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // Answered before its body was read (401, 413, 415, 429...): node would read the rest to keep
    // the connection, however long the client takes to send it. Closed once the answer is out.
    const unread = !req.complete && (header(req, "transfer-encoding") !== undefined || Number(header(req, "content-length")) > 0);
    const close: Record<string, string> = unread ? { Connection: "close" } : {};
    if (err instanceof HttpError) send(res, err.status, errorBody(err.code, err.message), JSON_TYPE, { ...err.headers, ...close });
    else if (err instanceof ValidationError) send(res, 400, errorBody("invalid_request", err.message, err.problems), JSON_TYPE, close);
    else if (err instanceof UnavailableError) {
      send(res, 503, errorBody("unavailable", err.message), JSON_TYPE, { "Retry-After": String(err.retryAfterSeconds), ...close });
    } else {
      this.d.log.error("request failed", { error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
      send(res, 500, errorBody("internal", "internal error"), JSON_TYPE, close);
    }
  }
}
