/**
 * The stream worker's /healthz, /readyz and /metrics on METRICS_PORT. The server starts before
 * anything connects, so liveness never waits on Kafka, PostgreSQL or the registry; /readyz answers
 * like the API's, `{ status, checks }`, with the reason of every check that fails.
 */
import { createServer, type Server } from "node:http";
import { withTimeout } from "../serving/deadline";
import { errorMessage } from "../serving/log";
import type { Metrics } from "../serving/metrics";
import type { Runtime } from "../serving/runtime";
import { HTTP_PATHS } from "../config/deploy-contract";
import type { StreamState } from "./supervisor";

const CHECK_TIMEOUT_MS = 1000;

export interface WorkerStatus {
  /** Undefined while the runtime (model, feature store, decision log) is being created. */
  readonly runtime: Pick<Runtime, "models" | "readiness"> | undefined;
  /** Undefined until the Kafka client is set up. */
  readonly stream: StreamState | undefined;
}

export interface Readiness {
  readonly ready: boolean;
  readonly checks: Record<string, string>;
}

export async function workerReadiness(status: WorkerStatus): Promise<Readiness> {
  const { runtime, stream } = status;
  if (!runtime) return { ready: false, checks: { runtime: "starting: loading the model and connecting to the stores" } };
  const checks: Record<string, string> = {};
  const model = runtime.models.current;
  checks.model = model ? `ok (${model.version})` : "no model loaded";
  let ready = model !== undefined;
  await Promise.all(
    runtime.readiness.map(async (c) => {
      try {
        await withTimeout(c.check(), CHECK_TIMEOUT_MS, c.name);
        checks[c.name] = "ok";
      } catch (err) {
        ready = false;
        checks[c.name] = errorMessage(err);
      }
    }),
  );
  checks.kafka = !stream ? "not connected yet" : stream.consuming ? "ok (consuming)" : stream.reason;
  return { ready: ready && stream?.consuming === true, checks };
}

export function startHealthServer(port: number, metrics: Metrics, status: () => WorkerStatus): Server {
  const server = createServer((req, res) => {
    const fail = (err: unknown) => res.writeHead(500).end(errorMessage(err));
    if (req.url === HTTP_PATHS.metrics) {
      metrics.registry.metrics().then((text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text), fail);
    } else if (req.url === HTTP_PATHS.liveness) {
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}');
    } else if (req.url === HTTP_PATHS.readiness) {
      workerReadiness(status()).then(({ ready, checks }) => {
        res
          .writeHead(ready ? 200 : 503, { "Content-Type": "application/json" })
          .end(JSON.stringify({ status: ready ? "ready" : "not ready", checks }));
      }, fail);
    } else res.writeHead(404).end();
  });
  return server.listen(port);
}
