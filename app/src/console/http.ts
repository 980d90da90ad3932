/**
 * The console's HTTP routes, on node:http's request and response so any server can mount them:
 *   GET  /console[/...]                    the page (the script routes in the browser)
 *   GET  /console/assets/app.js|app.css    the bundled script and stylesheet
 *   GET  /console/reports/:version/:file   a model's training report, from the registry
 *   POST /console/api/login                {user, password} -> session cookie
 *   POST /console/api/logout
 *   GET  /console/api/session              {user, role, csrfToken}
 *   GET  /console/api/queue?...            see queue.ts
 *   GET  /console/api/decisions/:id
 *   POST /console/api/decisions/:id/label  {label, note?}  analyst only, X-CSRF-Token
 *   GET  /console/api/overview?hours=24
 * Errors are JSON as the API's: {"error", "message", "problems"?}.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ModelRegistry } from "../registry/registry";
import type { FeedbackDeps } from "../serving/feedback";
import { errorMessage, type Logger } from "../serving/log";
import { UnavailableError } from "../serving/scoring";
import { checkTransactionId, ValidationError } from "../serving/validate";
import type { Queryable } from "../store/sql";
import { schemaPrefix } from "../store/sql";
import type { ConsoleAssets } from "./assets";
import { recordAudit } from "./audit";
import { decisionDetail } from "./decision-detail";
import { labelDecision, parseLabelInput } from "./label";
import { overview, OVERVIEW_WINDOWS_HOURS } from "./overview";
import { CONSOLE_HTML, REPORT_CSP, SECURITY_HEADERS } from "./page";
import { parseQueueQuery, queuePage } from "./queue";
import { cookieValue, SESSION_COOKIE, SESSION_TTL_MS, sessionCookie, type Session, type SessionSigner } from "./session";
import type { ConsoleUsers } from "./users";

export interface ConsoleDeps {
  readonly sql: Queryable;
  /** Explicit PostgreSQL schema (tests); default: the search_path. */
  readonly schema?: string;
  readonly feedback: FeedbackDeps;
  readonly users: ConsoleUsers;
  readonly signer: SessionSigner;
  /** The production model's version, when one is loaded. */
  readonly modelVersion: () => string | undefined;
  readonly registry?: ModelRegistry;
  readonly assets: ConsoleAssets;
  readonly log: Logger;
}

class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const JSON_TYPE = "application/json; charset=utf-8";
const BODY_LIMIT = 16 * 1024;

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, "Content-Type": type, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON.stringify(value), JSON_TYPE, { "Cache-Control": "no-store", ...headers });
}

function readJson(req: IncomingMessage): Promise<unknown> {
  if (!/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "")) {
    return Promise.reject(new ConsoleError(415, "unsupported_media_type", "Content-Type must be application/json"));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        req.removeAllListeners("data");
        req.resume();
        reject(new ConsoleError(413, "payload_too_large", `body exceeds ${BODY_LIMIT} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new ConsoleError(400, "malformed_json", "body is not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

const PAGE_PATHS = /^\/console(\/|\/queue|\/overview|\/login|\/decisions\/[^/]+)?$/;

export class ConsoleRoutes {
  private readonly s: string;

  constructor(private readonly d: ConsoleDeps) {
    this.s = schemaPrefix(d.schema);
  }

  /** Whether `path` is the console's (the caller then hands the request to `handle`). */
  static owns(path: string): boolean {
    return path === "/console" || path.startsWith("/console/");
  }

  /** A route name for metrics (no ids in it). */
  static route(path: string): string {
    if (path.startsWith("/console/api/decisions/"))
      return path.endsWith("/label") ? "/console/api/decisions/:id/label" : "/console/api/decisions/:id";
    if (path.startsWith("/console/api/") || path.startsWith("/console/assets/")) return path;
    if (path.startsWith("/console/reports/")) return "/console/reports/:version/:file";
    return "/console";
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void => {
    this.dispatch(req, res, req.method ?? "GET", path, query).catch((err: unknown) => this.fail(res, err));
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams): Promise<void> {
    const get = method === "GET" || method === "HEAD";
    if (path.startsWith("/console/api/")) return this.api(req, res, method, path.slice("/console/api".length), query);
    if (!get) throw new ConsoleError(405, "method_not_allowed", `${path} accepts GET`);
    if (path.startsWith("/console/assets/")) {
      const a = await this.d.assets.get(path.slice("/console/assets/".length));
      if (!a) throw new ConsoleError(404, "not_found", `no asset ${path}`);
      if (req.headers["if-none-match"] === a.etag) {
        res.writeHead(304, { ETag: a.etag }).end();
        return;
      }
      return send(res, 200, a.body, a.type, { ETag: a.etag, "Cache-Control": "no-cache" });
    }
    if (path.startsWith("/console/reports/")) return this.report(req, res, path.slice("/console/reports/".length));
    if (PAGE_PATHS.test(path)) return send(res, 200, CONSOLE_HTML, "text/html; charset=utf-8", { "Cache-Control": "no-store" });
    throw new ConsoleError(404, "not_found", `no console page ${path}`);
  }

  /** The signed-in session, re-checked against the current users (a removed user or a changed role ends it). */
  private session(req: IncomingMessage): Session {
    const s = this.d.signer.verify(cookieValue(req.headers.cookie, SESSION_COOKIE));
    const user = s && this.d.users.current(s.user);
    if (!s || !user || user.role !== s.role) throw new ConsoleError(401, "unauthorized", "sign in to the console");
    return s;
  }

  /** State-changing requests carry the session's CSRF token, which only the console's own page can read. */
  private csrf(req: IncomingMessage, s: Session): void {
    const token = req.headers["x-csrf-token"];
    if (!this.d.signer.checkCsrf(s, typeof token === "string" ? token : undefined)) {
      throw new ConsoleError(403, "csrf", "missing or wrong X-CSRF-Token: reload the console and try again");
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, method: string, route: string, query: URLSearchParams): Promise<void> {
    if (route === "/login") {
      if (method !== "POST") throw new ConsoleError(405, "method_not_allowed", "/console/api/login accepts POST");
      const body = (await readJson(req)) as { user?: unknown; password?: unknown } | null;
      const name = typeof body?.user === "string" ? body.user : "";
      const user = await this.d.users.check(name, typeof body?.password === "string" ? body.password : "");
      if (!user) {
        await recordAudit(this.d.sql, this.s, { actor: name.slice(0, 64) || "(none)", role: "none", action: "login_failed" });
        throw new ConsoleError(401, "unauthorized", "wrong user name or password");
      }
      const { session, cookie } = this.d.signer.issue(user.name, user.role);
      await recordAudit(this.d.sql, this.s, { actor: user.name, role: user.role, action: "login" });
      return sendJson(res, 200, this.sessionJson(session), { "Set-Cookie": sessionCookie(cookie, SESSION_TTL_MS) });
    }
    const s = this.session(req);
    if (route === "/logout" && method === "POST") {
      this.csrf(req, s);
      return sendJson(res, 200, { signedOut: true }, { "Set-Cookie": sessionCookie("", 0) });
    }
    const label = /^\/decisions\/([^/]+)\/label$/.exec(route);
    if (label) {
      if (method !== "POST") throw new ConsoleError(405, "method_not_allowed", "the label action accepts POST");
      if (s.role !== "analyst") throw new ConsoleError(403, "forbidden", `a ${s.role} can read but not label`);
      this.csrf(req, s);
      const id = this.transactionId(label[1]);
      const input = parseLabelInput(await readJson(req));
      if (!(await decisionDetail(this.d.sql, this.s, id))) throw new ConsoleError(404, "not_found", `no decision for transaction ${id}`);
      return sendJson(res, 200, await labelDecision({ sql: this.d.sql, s: this.s, feedback: this.d.feedback }, s, id, input));
    }
    if (method !== "GET") throw new ConsoleError(405, "method_not_allowed", `/console/api${route} accepts GET`);
    if (route === "/session") return sendJson(res, 200, this.sessionJson(s));
    if (route === "/queue") return sendJson(res, 200, await queuePage(this.d.sql, this.s, parseQueueQuery(query)));
    if (route === "/overview") {
      const hours = Number(query.get("hours") ?? 24);
      if (!(OVERVIEW_WINDOWS_HOURS as readonly number[]).includes(hours))
        throw new ValidationError([{ path: "hours", message: `must be one of ${OVERVIEW_WINDOWS_HOURS.join(", ")}` }]);
      const model = this.d.modelVersion();
      return sendJson(res, 200, {
        ...(await overview(this.d.sql, this.s, hours)),
        model: model ? { version: model, reportUrl: `/console/reports/${encodeURIComponent(model)}/index.html` } : null,
      });
    }
    const detail = /^\/decisions\/([^/]+)$/.exec(route);
    if (detail) {
      const id = this.transactionId(detail[1]);
      const found = await decisionDetail(this.d.sql, this.s, id);
      if (!found) throw new ConsoleError(404, "not_found", `no decision for transaction ${id} in the decision log`);
      return sendJson(res, 200, found);
    }
    throw new ConsoleError(404, "not_found", `no console API route ${method} /console/api${route}`);
  }

  private transactionId(encoded: string): string {
    try {
      return checkTransactionId(decodeURIComponent(encoded));
    } catch (err) {
      if (err instanceof ValidationError) throw err;
      throw new ConsoleError(400, "invalid_request", "transaction id is not valid percent-encoding");
    }
  }

  private sessionJson(s: Session): Record<string, unknown> {
    return { user: s.user, role: s.role, expires: new Date(s.expires).toISOString(), csrfToken: this.d.signer.csrfToken(s) };
  }

  private async report(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    this.session(req);
    const slash = rest.indexOf("/");
    const version = decodeURIComponent(rest.slice(0, slash));
    const file = rest.slice(slash + 1);
    if (slash < 1 || !/^[\w.-]+$/.test(version) || !/^[\w-]+(\.[\w]+)+$/.test(file) || !this.d.registry)
      throw new ConsoleError(404, "not_found", "no such report");
    let body: Uint8Array;
    try {
      body = await this.d.registry.getFile(version, `report/${file}`);
    } catch {
      throw new ConsoleError(404, "not_found", `no report file ${file} for model ${version}`);
    }
    const type = file.endsWith(".html") ? "text/html; charset=utf-8" : file.endsWith(".svg") ? "image/svg+xml" : "application/octet-stream";
    send(res, 200, Buffer.from(body), type, { "Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store" });
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ConsoleError) sendJson(res, err.status, { error: err.code, message: err.message });
    else if (err instanceof ValidationError) sendJson(res, 400, { error: "invalid_request", message: err.message, problems: err.problems });
    else if (err instanceof UnavailableError)
      sendJson(res, 503, { error: "unavailable", message: err.message }, { "Retry-After": String(err.retryAfterSeconds) });
    else if (typeof (err as { code?: unknown } | null)?.code === "string") {
      // pg's errors (a connection refused, a timeout) carry a code: the decision log is unavailable
      this.d.log.warn("console: decision log unavailable", { error: errorMessage(err) });
      sendJson(
        res,
        503,
        { error: "unavailable", message: "the decision log did not answer: try again in a moment" },
        { "Retry-After": "5" },
      );
    } else {
      this.d.log.error("console request failed", { error: errorMessage(err), stack: err instanceof Error ? err.stack : undefined });
      sendJson(res, 500, { error: "internal", message: "internal error" });
    }
  }
}
