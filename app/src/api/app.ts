/**
 * Starts the API: runtime, first model (bootstrapped on a fresh local checkout), the HTTP server on
 * PORT and /metrics on METRICS_PORT; and stops it gracefully: keep answering until requests stop
 * arriving, stop accepting, finish in-flight requests, write the decision buffer, close. Decisions still unwritten at the deadline are logged
 * whole (level error, msg "decision not written") so none is lost even then.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { performance } from "node:perf_hooks";
import { ApiKeys, keysFromSecret } from "./auth";
import { ENV } from "../config/deploy-contract";
import type { ApiConfig } from "../serving/config";
import { errorMessage, type Logger } from "../serving/log";
import { Metrics } from "../serving/metrics";
import { createRuntime, type Runtime, type RuntimeOptions } from "../serving/runtime";
import { secretsManagerReader } from "../config/secrets";
import { Api } from "./server";
import { ConsoleAssets } from "../console/assets";
import { consoleAccess } from "../console/setup";
import type { ConsoleDeps } from "../console/plugin";
import { openRegistry } from "../registry/open";

/** Trains or seeds a model into the registry at `registryUri`, reporting progress in lines. */
export type BootstrapModel = (registryUri: string, progress: (msg: string) => void) => Promise<unknown>;

export interface StartOptions extends Partial<RuntimeOptions> {
  readonly log: Logger;
  /**
   * Registers a first model in a local registry that has none (`npm start` on a fresh checkout).
   * Injected by the entry point, so the API does not depend on the trainer; default: none, and the
   * API waits for a promotion like it does on S3.
   */
  readonly bootstrap?: BootstrapModel;
  /** How long a request may take to arrive, headers and body (tests); default REQUEST_TIMEOUT_MS. */
  readonly requestTimeoutMs?: number;
}

/** A request (headers and body) not received by then is answered 408 and its connection closed. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** At shutdown, the listener closes once no request has arrived for this long (or at half the drain time). */
export const SHUTDOWN_QUIET_MS = 1000;

export interface RunningApi {
  readonly port: number;
  readonly metricsPort: number;
  readonly api: Api;
  readonly runtime: Runtime;
  readonly metrics: Metrics;
  /** Graceful stop; resolves with the number of decisions that could not be written. */
  shutdown(): Promise<number>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve((server.address() as { port: number }).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

async function loadKeys(cfg: ApiConfig, opts: StartOptions): Promise<{ keys: ApiKeys; timer?: NodeJS.Timeout }> {
  const keys = new ApiKeys(cfg.apiKeys);
  if (cfg.apiKeysSecretArn) {
    const timer = await keysFromSecret(keys, cfg.apiKeysSecretArn, opts.readSecret ?? secretsManagerReader(cfg.awsRegion), opts.log);
    return { keys, timer };
  }
  if (keys.size === 0) {
    // Local convenience only: a fresh `npm start` works, and the key is not guessable.
    const key = randomBytes(18).toString("base64url");
    keys.replace([key]);
    opts.log.warn(`no ${ENV.apiKeys} or ${ENV.apiKeysSecretArn}: generated an API key for this run`, { apiKey: key });
  }
  return { keys };
}

async function firstModel(cfg: ApiConfig, runtime: Runtime, opts: StartOptions): Promise<void> {
  await runtime.models.poll();
  if (runtime.models.current) return;
  if (!opts.bootstrap || opts.modelSource || cfg.modelRegistry.startsWith("s3://")) {
    opts.log.warn("no production model in the registry yet: scoring answers 503 and /readyz fails until one is promoted", {
      registry: cfg.modelRegistry,
    });
    return;
  }
  opts.log.info(
    "no production model in the local registry: bootstrapping one, once (simulate + train with the xgboost CLI, else the bundled seed model)",
    { registry: cfg.modelRegistry },
  );
  await opts.bootstrap(cfg.modelRegistry, (msg) => opts.log.info(msg));
  await runtime.models.poll();
}

export async function startApi(cfg: ApiConfig, opts: StartOptions): Promise<RunningApi> {
  const log = opts.log;
  const metrics = opts.metrics ?? new Metrics();
  const { keys, timer: keyTimer } = await loadKeys(cfg, opts);
  const runtime = await createRuntime(cfg, { ...opts, log, metrics });
  try {
    await firstModel(cfg, runtime, opts);
  } catch (err) {
    await runtime.close();
    throw err;
  }
  runtime.models.start(cfg.modelPollMs);
  const access = await consoleAccess(cfg, () => opts.readSecret ?? secretsManagerReader(cfg.awsRegion), log);
  const feedback = {
    decisions: runtime.decisions,
    featureStore: runtime.featureStore,
    metrics,
    featureStoreTimeoutMs: cfg.featureStoreTimeoutMs,
  };
  const consoleDeps: ConsoleDeps = {
    sql: runtime.sql,
    schema: opts.schema,
    feedback,
    users: access.users,
    signer: access.signer,
    modelVersion: () => runtime.models.current?.version,
    registry: cfg.modelRegistry ? openRegistry(cfg.modelRegistry) : undefined,
    assets: new ConsoleAssets(),
    log,
  };

  const separateMetrics = cfg.metricsPort !== cfg.port || cfg.port === 0;
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const api = await Api.create({
    serveMetrics: !separateMetrics,
    keys,
    limiter: runtime.limiter,
    scorer: runtime.scorer,
    decisions: runtime.decisions,
    featureStore: runtime.featureStore,
    models: runtime.models,
    metrics,
    log,
    batchMax: cfg.batchMax,
    maxBodyBytes: cfg.maxBodyBytes,
    readiness: runtime.readiness,
    featureStoreTimeoutMs: cfg.featureStoreTimeoutMs,
    rateLimitPerMinute: cfg.rateLimitPerMinute,
    slowRequestLogMs: cfg.slowRequestLogMs,
    console: consoleDeps,
    serverOptions: {
      // Behind an ALB (idle timeout 60 s) the server must not close a keep-alive connection first.
      keepAliveTimeout: 65_000,
      // Both count from a request's first byte, not over an idle keep-alive connection: a request
      // whose headers or body (a chunked one that never ends) trickle in is cut at the deadline.
      requestTimeout,
      headersTimeout: requestTimeout,
      // node checks the deadlines on this timer (default 30 s, which let such a request live 45 s
      // past a 30 s timeout): checked 5 times per timeout, at most every second
      connectionsCheckingInterval: Math.min(1000, requestTimeout / 5),
    },
  });
  const server = api.server;
  const port = await listen(server, cfg.port);
  // A separate port for scrapes keeps /metrics off the public listener (the ALB exposes PORT only):
  // the main listener serves /metrics only when METRICS_PORT equals PORT.
  // METRICS_PORT equal to PORT: the main listener's /metrics is the only one.
  const metricsServer = createServer((req, res) => {
    if (req.url === "/metrics") {
      api.metricsText().then(
        (text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text),
        (err: unknown) => res.writeHead(500).end(errorMessage(err)),
      );
    } else if (req.url === "/healthz") res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}');
    else res.writeHead(404).end();
  });
  const metricsPort = separateMetrics ? await listen(metricsServer, cfg.metricsPort) : port;
  log.info("fraud API listening", {
    port,
    metricsPort,
    model: runtime.models.current?.version ?? null,
    docs: `http://localhost:${port}/docs`,
    console: `http://localhost:${port}/console`,
  });

  let stopping: Promise<number> | undefined;
  const shutdown = (): Promise<number> =>
    (stopping ??= (async () => {
      const deadline = Date.now() + cfg.shutdownDrainMs;
      log.info("shutting down: draining in-flight requests and the decision buffer", {
        inflight: api.inflight,
        buffered: runtime.decisions.buffered,
      });
      api.draining = true;
      if (keyTimer) clearInterval(keyTimer);
      if (access.timer) clearInterval(access.timer);
      // The listener stays open until requests stop arriving: a load balancer still routing here
      // (deregistration not finished) would otherwise get connections refused. Responses now say
      // Connection: close, so clients reconnect and land elsewhere once this target is out.
      const quietBy = Date.now() + cfg.shutdownDrainMs / 2;
      while ((api.inflight > 0 || performance.now() - api.lastRequestAt < SHUTDOWN_QUIET_MS) && Date.now() < quietBy)
        await new Promise((r) => setTimeout(r, 20));
      const closed = closeServer(server);
      while (api.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const left = await runtime.drain(deadline);
      for (const d of left) log.error("decision not written", { decision: d });
      metrics.unwritten.inc(left.length);
      if (api.inflight > 0) log.warn("requests still in flight at the deadline", { inflight: api.inflight });
      server.closeAllConnections();
      await closed;
      if (separateMetrics) await closeServer(metricsServer);
      await runtime.close();
      log.info("stopped", { unwritten: left.length });
      return left.length;
    })());

  return { port, metricsPort, api, runtime, metrics, shutdown };
}
