/**
 * The stream worker (node /app/dist/worker.js): transactions from Kafka in, decisions out, scored
 * by the same runtime as the API. Serves /metrics, /healthz and /readyz on METRICS_PORT from the
 * start (health.ts); a Kafka outage is retried, not fatal (supervisor.ts).
 * SIGTERM: stop reading, finish and commit the batch in hand, write the decision buffer, exit.
 */
import { configOrExit, loadApiConfig } from "../serving/config";
import { createLogger } from "../serving/log";
import { Metrics } from "../serving/metrics";
import { createRuntime, type Runtime } from "../serving/runtime";
import { loadKafkaSettings } from "./config";
import { startHealthServer } from "./health";
import { kafkaAdapter } from "./kafka-adapter";
import { StreamMetrics, StreamPipeline } from "./pipeline";
import { StreamSupervisor } from "./supervisor";
import { readTracingSettings, startTracing } from "../telemetry/tracing";
import { appVersion } from "../telemetry/version";

async function main(): Promise<void> {
  const { cfg, kafka } = configOrExit(() => ({ cfg: loadApiConfig(), kafka: loadKafkaSettings() }));
  const tracingSettings = configOrExit(() => readTracingSettings("fraud-worker"));
  const version = appVersion();
  // filled in as start-up goes on: /readyz names what is still missing
  const status: { runtime?: Runtime; supervisor?: StreamSupervisor } = {};
  const log = createLogger(cfg.logLevel, {
    service: tracingSettings?.serviceName ?? "fraud-worker",
    version,
    mixin: () => ({ modelVersion: status.runtime?.models.current?.version }),
  });
  // before the runtime and the adapter: they put their spans in place only when it is on
  const tracing = await startTracing(tracingSettings, version);
  if (tracingSettings)
    log.info("tracing on", { endpoint: tracingSettings.endpoint, sampler: tracingSettings.sampler, ratio: tracingSettings.ratio });
  const metrics = new Metrics();
  const health = startHealthServer(cfg.metricsPort, metrics, () => ({ runtime: status.runtime, stream: status.supervisor?.state }));
  // Nothing has been read before the pipeline runs, so there is nothing to finish: just exit.
  const early = (signal: string) => {
    log.info("signal received while starting: exiting", { signal });
    process.exit(0);
  };
  process.once("SIGTERM", early);
  process.once("SIGINT", early);

  const runtime = await createRuntime(cfg, { log, metrics });
  status.runtime = runtime;
  await runtime.models.poll();
  runtime.models.start(cfg.modelPollMs);

  log.info("stream worker connecting", { brokers: kafka.brokers, iamAuth: kafka.iamAuth });
  const adapter = await kafkaAdapter(kafka, () => {
    status.supervisor?.consuming();
    log.info("stream worker consuming", {
      topic: kafka.transactionsTopic,
      decisions: kafka.decisionsTopic,
      group: kafka.groupId,
      iamAuth: kafka.iamAuth,
    });
  });
  const pipeline = new StreamPipeline(adapter, runtime.scorer, new StreamMetrics(metrics.registry), log);
  const supervisor = new StreamSupervisor(() => pipeline.run(), kafka.brokers, log);
  status.supervisor = supervisor;
  const running = supervisor.start();

  const stop = async (signal: string) => {
    log.info("signal received: finishing the batch in hand", { signal });
    const deadline = Date.now() + cfg.shutdownDrainMs;
    supervisor.stop();
    await pipeline.stop();
    await running;
    const left = await runtime.drain(deadline);
    for (const d of left) log.error("decision not written", { decision: d });
    await adapter.close();
    await runtime.close();
    health.close();
    await tracing?.shutdown().catch(() => undefined);
    process.exit(left.length ? 1 : 0);
  };
  process.off("SIGTERM", early);
  process.off("SIGINT", early);
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`stream worker failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
