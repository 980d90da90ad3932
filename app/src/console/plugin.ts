/**
 * The console as a Fastify plugin, mounted by the API under /console:
 *   GET  /console[/queue|/overview|/login|/decisions/:id]   the page (the script renders each view)
 *   GET  /console/assets/:name                               the bundled script and stylesheet
 *   GET  /console/reports/:version/:file                     a model's training report, from the registry
 *   POST /console/api/login                {user, password} -> session cookie, {user, role, csrfToken}
 *   POST /console/api/logout
 *   GET  /console/api/session              {user, role, expires, csrfToken}
 *   GET  /console/api/queue?...            a queue page (queue.ts)
 *   GET  /console/api/decisions/:id        a decision page's data (decision-detail.ts)
 *   POST /console/api/decisions/:id/label  {label, note?}: analysts only, X-CSRF-Token
 *   GET  /console/api/overview?hours=24|168|720
 * Requests are validated with schemas.ts; errors are JSON as the API's: {"error", "message",
 * "problems"?}. Every answer carries the console's security headers (page.ts). The routes stay out
 * of /openapi.json: they are the console's, not the scoring API clients'.
 */
import { Ajv } from "ajv";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ModelRegistry } from "../registry/registry";
import type { FeedbackDeps } from "../serving/feedback";
import { errorMessage, type Logger } from "../serving/log";
import { UnavailableError } from "../serving/scoring";
import { checkTransactionId, ValidationError } from "../serving/validate";
import { schemaPrefix, type Queryable } from "../store/sql";
import type { ConsoleAssets } from "./assets";
import { recordAudit } from "./audit";
import { decisionDetail } from "./decision-detail";
import { labelDecision, parseLabelInput } from "./label";
import { overview } from "./overview";
import { CONSOLE_HTML, REPORT_CSP, SECURITY_HEADERS } from "./page";
import { parseQueueQuery, queuePage } from "./queue";
import { AssetParams, IdParams, LabelBody, LoginBody, OverviewQuery, QueueQuery, ReportParams } from "./schemas";
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
/** A label's note is the largest body: 16 KiB is ample, and far below the scoring API's batch limit. */
const BODY_LIMIT = 16 * 1024;
const PAGES = ["/console", "/console/", "/console/queue", "/console/overview", "/console/login", "/console/decisions/:id"];

export function consolePlugin(d: ConsoleDeps) {
  const s = schemaPrefix(d.schema);

  /** The signed-in session, re-checked against the current users (a removed user or a changed role ends it). */
  const session = (req: FastifyRequest): Session => {
    const found = d.signer.verify(cookieValue(req.headers.cookie, SESSION_COOKIE));
    const user = found && d.users.current(found.user);
    if (!found || !user || user.role !== found.role) throw new ConsoleError(401, "unauthorized", "sign in to the console");
    return found;
  };
  /** State-changing requests carry the session's CSRF token, which only the console's own page can read. */
  const csrf = (req: FastifyRequest, sess: Session): void => {
    const token = req.headers["x-csrf-token"];
    if (!d.signer.checkCsrf(sess, typeof token === "string" ? token : undefined))
      throw new ConsoleError(403, "csrf", "missing or wrong X-CSRF-Token: reload the console and try again");
  };
  const sessionJson = (sess: Session) => ({
    user: sess.user,
    role: sess.role,
    expires: new Date(sess.expires).toISOString(),
    csrfToken: d.signer.csrfToken(sess),
  });
  const transactionId = (raw: string): string => checkTransactionId(raw);

  return async function console(app: FastifyInstance): Promise<void> {
    app.addHook("onSend", async (_req, reply, payload) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
      return payload;
    });
    // JSON bodies only (the API's parser reads any type as JSON: the type is checked here, first)
    app.addHook("onRequest", async (req) => {
      if (
        req.method === "POST" &&
        !/^application\/json\s*(;|$)/i.test(req.headers["content-type"] ?? "") &&
        (req.headers["content-length"] ?? "0") !== "0"
      )
        throw new ConsoleError(415, "unsupported_media_type", "Content-Type must be application/json");
    });
    app.setErrorHandler((err, _req, reply) => fail(d.log, err as FastifyError, reply));
    // this plugin's own validator: the API's validates only its scoring bodies, with its parsers
    const ajv = new Ajv({ allErrors: true, strict: false });
    app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
    const hide = { hide: true };

    for (const url of PAGES) {
      app.get(url, { schema: hide }, (_req, reply) =>
        reply.type("text/html; charset=utf-8").header("Cache-Control", "no-store").send(CONSOLE_HTML),
      );
    }
    app.get<{ Params: { name: string } }>("/console/assets/:name", { schema: { ...hide, params: AssetParams } }, async (req, reply) => {
      const a = await d.assets.get(req.params.name);
      if (!a) throw new ConsoleError(404, "not_found", `no asset ${req.params.name}`);
      if (req.headers["if-none-match"] === a.etag) return reply.code(304).header("ETag", a.etag).send();
      return reply.type(a.type).header("ETag", a.etag).header("Cache-Control", "no-cache").send(a.body);
    });
    app.get<{ Params: { version: string; file: string } }>(
      "/console/reports/:version/:file",
      { schema: { ...hide, params: ReportParams } },
      async (req, reply) => {
        session(req);
        if (!d.registry) throw new ConsoleError(404, "not_found", "no model registry");
        let body: Uint8Array;
        try {
          body = await d.registry.getFile(req.params.version, `report/${req.params.file}`);
        } catch {
          throw new ConsoleError(404, "not_found", `no report file ${req.params.file} for model ${req.params.version}`);
        }
        const f = req.params.file;
        const type = f.endsWith(".html") ? "text/html; charset=utf-8" : f.endsWith(".svg") ? "image/svg+xml" : "application/octet-stream";
        return reply.type(type).header("Content-Security-Policy", REPORT_CSP).header("Cache-Control", "no-store").send(Buffer.from(body));
      },
    );

    const api = { bodyLimit: BODY_LIMIT };
    app.post<{ Body: { user: string; password: string } }>(
      "/console/api/login",
      { ...api, schema: { ...hide, body: LoginBody } },
      async (req, reply) => {
        const user = await d.users.check(req.body.user, req.body.password);
        if (!user) {
          await recordAudit(d.sql, s, { actor: req.body.user, role: "none", action: "login_failed" });
          throw new ConsoleError(401, "unauthorized", "wrong user name or password");
        }
        const issued = d.signer.issue(user.name, user.role);
        await recordAudit(d.sql, s, { actor: user.name, role: user.role, action: "login" });
        return reply
          .header("Set-Cookie", sessionCookie(issued.cookie, SESSION_TTL_MS))
          .type(JSON_TYPE)
          .header("Cache-Control", "no-store")
          .send(sessionJson(issued.session));
      },
    );
    app.post("/console/api/logout", { ...api, schema: hide }, async (req, reply) => {
      csrf(req, session(req));
      return reply.header("Set-Cookie", sessionCookie("", 0)).send({ signedOut: true });
    });
    app.get("/console/api/session", { schema: hide }, async (req, reply) =>
      reply.header("Cache-Control", "no-store").send(sessionJson(session(req))),
    );
    app.get("/console/api/queue", { schema: { ...hide, querystring: QueueQuery } }, async (req, reply) => {
      session(req);
      const q = req.url.indexOf("?");
      const page = await queuePage(d.sql, s, parseQueueQuery(new URLSearchParams(q < 0 ? "" : req.url.slice(q + 1))));
      return reply.header("Cache-Control", "no-store").send(page);
    });
    app.get<{ Querystring: { hours?: string } }>(
      "/console/api/overview",
      { schema: { ...hide, querystring: OverviewQuery } },
      async (req, reply) => {
        session(req);
        const model = d.modelVersion();
        return reply.header("Cache-Control", "no-store").send({
          ...(await overview(d.sql, s, Number(req.query.hours ?? 24))),
          model: model ? { version: model, reportUrl: `/console/reports/${encodeURIComponent(model)}/index.html` } : null,
        });
      },
    );
    app.get<{ Params: { id: string } }>("/console/api/decisions/:id", { schema: { ...hide, params: IdParams } }, async (req, reply) => {
      session(req);
      const id = transactionId(req.params.id);
      const found = await decisionDetail(d.sql, s, id);
      if (!found) throw new ConsoleError(404, "not_found", `no decision for transaction ${id} in the decision log`);
      return reply.header("Cache-Control", "no-store").send(found);
    });
    app.post<{ Params: { id: string }; Body: unknown }>(
      "/console/api/decisions/:id/label",
      // the role and CSRF token are checked before the body is validated: a viewer learns nothing from a label's shape
      { ...api, schema: { ...hide, params: IdParams }, preValidation: async (req) => labelAllowed(req) },
      async (req, reply) => {
        const who = session(req);
        const id = transactionId(req.params.id);
        const input = parseLabelInput(req.body);
        if (!(await decisionDetail(d.sql, s, id))) throw new ConsoleError(404, "not_found", `no decision for transaction ${id}`);
        return reply.header("Cache-Control", "no-store").send(await labelDecision({ sql: d.sql, s, feedback: d.feedback }, who, id, input));
      },
    );
    function labelAllowed(req: FastifyRequest): void {
      const who = session(req);
      if (who.role !== "analyst") throw new ConsoleError(403, "forbidden", `a ${who.role} can read but not label`);
      csrf(req, who);
    }
  };
}

/** The label body's schema, for documentation: parseLabelInput applies it (after the role and CSRF checks). */
export const LABEL_BODY_SCHEMA = LabelBody;

function fail(log: Logger, err: FastifyError | Error, reply: FastifyReply): FastifyReply {
  const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    reply.code(status).headers(headers).type(JSON_TYPE).header("Cache-Control", "no-store").send(body);
  if (err instanceof ConsoleError) return send(err.status, { error: err.code, message: err.message });
  if (err instanceof ValidationError) return send(400, { error: "invalid_request", message: err.message, problems: err.problems });
  if (err instanceof UnavailableError)
    return send(503, { error: "unavailable", message: err.message }, { "Retry-After": String(err.retryAfterSeconds) });
  const fe = err as FastifyError & { status?: number };
  if (fe.validation) {
    const problems = fe.validation.map((v) => ({
      path: `${fe.validationContext ?? ""}${v.instancePath}`.replace(/\//g, "."),
      message: v.message ?? "is invalid",
    }));
    return send(400, { error: "invalid_request", message: problems.map((p) => `${p.path}: ${p.message}`).join("; "), problems });
  }
  if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return send(413, { error: "payload_too_large", message: `body exceeds ${BODY_LIMIT} bytes` });
  const status = fe.status ?? fe.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500)
    return send(status, { error: fe.code?.startsWith("FST_") ? "bad_request" : (fe.code ?? "bad_request"), message: err.message });
  if (typeof fe.code === "string") {
    // pg's errors (a connection refused, a timeout) carry a code: the decision log is unavailable
    log.warn("console: decision log unavailable", { error: errorMessage(err) });
    return send(503, { error: "unavailable", message: "the decision log did not answer: try again in a moment" }, { "Retry-After": "5" });
  }
  log.error("console request failed", { error: errorMessage(err), stack: err.stack });
  return send(500, { error: "internal", message: "internal error" });
}
