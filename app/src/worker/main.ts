/**
 * The stream worker (node /app/dist/worker.js): transactions from Kafka in, decisions out, scored
 * by the same runtime as the API. Serves /metrics, /healthz and /readyz on METRICS_PORT.
 * SIGTERM: stop reading, finish and commit the batch in hand, write the decision buffer, exit.
 */
import { createServer } from "node:http";
import { configOrExit, loadApiConfig } from "../api/config";
import { createLogger, errorMessage } from "../api/log";
import { Metrics } from "../api/metrics";
import { createRuntime } from "../api/runtime";
import { loadKafkaSettings } from "./config";
import { kafkaAdapter } from "./kafka-adapter";
import { StreamMetrics, StreamPipeline } from "./pipeline";

async function main(): Promise<void> {
  const { cfg, kafka } = configOrExit(() => ({ cfg: loadApiConfig(), kafka: loadKafkaSettings() }));
  const log = createLogger(cfg.logLevel);
  const metrics = new Metrics();
  const runtime = await createRuntime(cfg, { log, metrics });
  await runtime.models.poll();
  runtime.models.start(cfg.modelPollMs);

  const health = createServer((req, res) => {
    if (req.url === "/metrics") {
      metrics.registry.metrics().then((text) => res.writeHead(200, { "Content-Type": metrics.registry.contentType }).end(text));
    } else if (req.url === "/healthz") res.writeHead(200).end("ok");
    else if (req.url === "/readyz") {
      Promise.all(runtime.readiness.map((c) => c.check())).then(
        () => res.writeHead(runtime.models.current ? 200 : 503).end(runtime.models.current ? "ready" : "no model loaded"),
        (err: unknown) => res.writeHead(503).end(errorMessage(err)),
      );
    } else res.writeHead(404).end();
  });
  health.listen(cfg.metricsPort);

  const adapter = await kafkaAdapter(kafka);
  const pipeline = new StreamPipeline(adapter, runtime.scorer, new StreamMetrics(metrics.registry), log);
  log.info("stream worker consuming", { topic: kafka.transactionsTopic, decisions: kafka.decisionsTopic, group: kafka.groupId, iamAuth: kafka.iamAuth });
  const running = pipeline.run();

  const stop = async (signal: string) => {
    log.info("signal received: finishing the batch in hand", { signal });
    const deadline = Date.now() + cfg.shutdownDrainMs;
    await pipeline.stop();
    await running;
    const left = await runtime.drain(deadline);
    for (const d of left) log.error("decision not written", { decision: d });
    await adapter.close();
    await runtime.close();
    health.close();
    process.exit(left.length ? 1 : 0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
  running.catch((err: unknown) => {
    log.error("stream worker failed", { error: errorMessage(err) });
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`stream worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
