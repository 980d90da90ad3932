/**
 * The API's operations, each with its schemas (serving/schemas.ts): the body schema is the one
 * serving/validate.ts validates with, the response schemas serialise the answers and, with the
 * summaries, make the OpenAPI document.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from "fastify";
import { Type } from "typebox";
import type { DecisionRecord } from "../store/decision-record";
import { withTimeout } from "../serving/deadline";
import { errorMessage } from "../serving/log";
import { UnavailableError } from "../serving/scoring";
import {
  Decision,
  DecisionList,
  FeedbackBody,
  FeedbackResult,
  Health,
  Id,
  Readiness,
  StoredDecision,
  TransactionBody,
} from "../serving/schemas";
import { batchSchema, checkTransactionId, type Feedback, parseBatch, parseFeedback, parseTransaction } from "../serving/validate";
import type { Transaction } from "../features/types";
import type { Api } from "./server";
import { checkBodyHeaders, header, HttpError } from "./http-errors";
import { bodyErrors, commonErrors, errorResponse } from "./openapi";
import { applyFeedback } from "../serving/feedback";
import { consolePlugin } from "../console/plugin";

/** Route patterns as the request metrics name them. */
export const ROUTE_LABELS: Record<string, string> = {
  "/v1/decisions/*": "/v1/decisions/:transactionId",
  "/docs/": "/docs",
  "/docs/static/*": "/docs/static",
};

const READY_TIMEOUT_MS = 1000;

/** A response schema with the description the OpenAPI document gives it. */
const described = <T extends object>(schema: T, description: string): T => ({ ...schema, description });

/** The API's view of a decision (what POST /v1/score answers). */
function view(d: DecisionRecord) {
  return {
    transactionId: d.transactionId,
    score: d.score,
    decision: d.decision,
    reasons: d.reasons,
    modelVersion: d.modelVersion,
    degraded: d.degraded,
  };
}

export function registerRoutes(app: FastifyInstance, api: Api): void {
  const d = api.d;
  /** The API key, then the key's rate limit: before anything else of a /v1 request is read. */
  const authorize: onRequestHookHandler = (req, _reply, done) => {
    const key = header(req.raw, "x-api-key");
    const identity = d.keys.check(key ?? undefined);
    if (!identity) {
      const why = key === null ? "more than one X-API-Key header" : key ? "invalid API key" : "missing X-API-Key header";
      done(new HttpError(401, "unauthorized", why, { "WWW-Authenticate": 'ApiKey realm="fraud-api"' }));
      return;
    }
    const limited = d.limiter?.take(identity.id) ?? 0;
    const decide = (wait: number) => {
      if (wait <= 0) return done();
      d.metrics.rateLimited.inc();
      done(new HttpError(429, "rate_limited", `rate limit exceeded for this API key; retry in ${wait} s`, { "Retry-After": String(wait) }));
    };
    if (typeof limited === "number") decide(limited);
    else limited.then(decide, done);
  };
  const withBody: onRequestHookHandler = (req, reply, done) => {
    authorize.call(app, req, reply, (err?: Error) => {
      if (err) return done(err);
      try {
        checkBodyHeaders(req.raw, d.maxBodyBytes);
      } catch (e) {
        return done(e as Error);
      }
      done();
    });
  };
  // The body is parsed by the schema's own validator: what passes is the typed value (times in ms).
  const parsers: Record<string, (body: unknown) => unknown> = {
    "/v1/score": (b) => parseTransaction(b),
    "/v1/score/batch": (b) => parseBatch(b, d.batchMax),
    "/v1/feedback": (b) => parseFeedback(b),
  };
  app.setValidatorCompiler(({ url, httpPart }) => {
    const parse = httpPart === "body" ? parsers[url] : undefined;
    if (!parse) return () => true;
    return (data: unknown) => {
      try {
        return { value: parse(data) };
      } catch (err) {
        return { error: err as Error };
      }
    };
  });
  const security = [{ apiKey: [] }];
  const errors = { ...bodyErrors(d), ...commonErrors(d) };

  app.post(
    "/v1/score",
    {
      onRequest: withBody,
      schema: {
        summary: "Score one transaction",
        security,
        body: TransactionBody,
        response: { 200: described(Decision, "The decision."), ...errors },
      },
    },
    async (req) => {
      const tx = req.body as Transaction;
      api.noteTransaction(req.raw, tx.transactionId);
      return view(await d.scorer.score(tx));
    },
  );
  const batch = batchSchema(d.batchMax).schema;
  app.post(
    "/v1/score/batch",
    {
      onRequest: withBody,
      schema: {
        summary: `Score up to ${d.batchMax} transactions in order`,
        security,
        body: batch,
        response: { 200: described(DecisionList, "Decisions in request order."), ...errors },
      },
    },
    async (req) => ({ decisions: (await d.scorer.scoreBatch(req.body as Transaction[])).map(view) }),
  );
  app.post(
    "/v1/feedback",
    {
      onRequest: withBody,
      schema: {
        summary: "Label a scored transaction",
        description:
          "Stores the label; a fraud label also counts in the merchant's fraud-risk features from reportedAt on, a legit one withdraws it. " +
          "A transaction's labels apply in reportedAt order, whatever order they arrive in: a label reported no later than the one stored " +
          "changes nothing (stored: false, and the note names the label that stands); at equal times legit stands. Retrying is safe.",
        security,
        body: FeedbackBody,
        response: { 200: described(FeedbackResult, "Stored, or (stored: false) superseded by a label reported later."), ...errors },
      },
    },
    async (req) => applyFeedback(d, req.body as Feedback),
  );
  app.get(
    "/v1/decisions/*",
    {
      onRequest: authorize,
      schema: {
        summary: "The stored decision for a transaction",
        security,
        params: Type.Object({ transactionId: Id }),
        response: { 200: StoredDecision, 404: errorResponse("No decision for this transaction."), ...commonErrors(d) },
      },
    },
    async (req) => {
      const id = decisionId(req);
      // the label is PostgreSQL's alone: while it is unreachable the decision comes without one
      const [found, label] = await Promise.all([
        d.decisions.get(id).catch((err: unknown) => {
          throw new UnavailableError(`decision log unavailable: ${errorMessage(err)}`, 5);
        }),
        d.decisions.labelOf(id).then(
          (l) => l ?? null,
          () => undefined,
        ),
      ]);
      if (!found) throw new HttpError(404, "not_found", `no decision for transaction ${JSON.stringify(id)}`);
      const standing = label && { label: label.label, reportedAt: new Date(label.reportedAt).toISOString() };
      return { ...view(found), timestamp: new Date(found.occurredAt).toISOString(), ...(label === undefined ? {} : { label: standing }) };
    },
  );
  app.get(
    "/healthz",
    { schema: { summary: "Liveness: the process answers", response: { 200: described(Health, "Alive.") } } },
    async () => ({ status: "ok" }),
  );
  app.get(
    "/readyz",
    {
      schema: {
        summary: "Readiness: model loaded, Redis and PostgreSQL reachable",
        querystring: Type.Object({
          dependencies: Type.Optional(
            Type.String({
              description:
                "`report`: Redis and PostgreSQL are reported but do not fail the check (for probes: the API keeps scoring through their outages).",
            }),
          ),
        }),
        response: { 200: described(Readiness, "Ready."), 503: described(Readiness, "Not ready; `checks` says why.") },
      },
    },
    async (req, reply) => {
      const q = req.url.indexOf("?");
      const reportOnly = q >= 0 && new URLSearchParams(req.url.slice(q + 1)).get("dependencies") === "report";
      const { ok, body } = await readiness(api, reportOnly);
      return reply.code(ok ? 200 : 503).send(body);
    },
  );
  if (d.serveMetrics) {
    app.get("/metrics", { schema: { hide: true } }, async (_req, reply) =>
      reply.type(d.metrics.registry.contentType).send(await api.metricsText()),
    );
  }
  // the analyst console: its own routes, schemas, error answers and security headers (console/plugin.ts)
  if (d.console) void app.register(consolePlugin(d.console));
  let openapiJson: string | undefined;
  app.get("/openapi.json", { schema: { hide: true } }, (_req, reply) => {
    openapiJson ??= JSON.stringify(api.openapi());
    return reply.type("application/json; charset=utf-8").send(openapiJson);
  });
  app.get("/", { schema: { hide: true } }, (_req, reply) => reply.code(302).header("Location", "/docs").type("text/plain").send(""));
}

/** The transactionId: the rest of the path, percent-decoded (an id may hold a slash). */
function decisionId(req: FastifyRequest): string {
  const url = req.raw.url ?? "";
  const q = url.indexOf("?");
  const raw = (q < 0 ? url : url.slice(0, q)).slice("/v1/decisions/".length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "invalid_request", "transactionId is not valid percent-encoding");
  }
  return checkTransactionId(id);
}

/**
 * `dependencies=report`: Redis and PostgreSQL are checked and reported but do not fail the
 * answer. For load-balancer health and readiness probes: a shared dependency's outage would
 * otherwise take every replica out of service at once, when this API is built to keep scoring
 * through it (degraded without Redis, buffering without PostgreSQL).
 */
async function readiness(
  api: Api,
  reportOnly: boolean,
): Promise<{ ok: boolean; body: { status: string; checks: Record<string, string> } }> {
  const checks: Record<string, string> = {};
  let ok = !api.draining;
  if (api.draining) checks.shutdown = "draining";
  const model = api.d.models.current;
  checks.model = model ? `ok (${model.version})` : "no model loaded";
  ok &&= model !== undefined;
  await Promise.all(
    api.d.readiness.map(async (c) => {
      try {
        await withTimeout(c.check(), READY_TIMEOUT_MS, c.name);
        checks[c.name] = "ok";
      } catch (err) {
        if (!reportOnly) ok = false;
        checks[c.name] = errorMessage(err);
      }
    }),
  );
  return { ok, body: { status: ok ? "ready" : "not ready", checks } };
}
