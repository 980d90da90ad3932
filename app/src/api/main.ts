/** `npm start` and the API container's entry point (node /app/dist/api.js). */
import { startApi } from "./app";
import { configOrExit, loadApiConfig } from "../serving/config";
import { createLogger, errorMessage } from "../serving/log";
import type { ModelHolder } from "../serving/model-holder";
import { readTracingSettings, startTracing } from "../telemetry/tracing";
import { appVersion } from "../telemetry/version";

async function main(): Promise<void> {
  const cfg = configOrExit(() => loadApiConfig());
  const tracingSettings = configOrExit(() => readTracingSettings("fraud-api"));
  const version = appVersion();
  const holder: { models?: ModelHolder } = {};
  const log = createLogger(cfg.logLevel, {
    service: tracingSettings?.serviceName ?? "fraud-api",
    version,
    mixin: () => ({ modelVersion: holder.models?.current?.version }),
  });
  // before the runtime and the server: they put their spans in place only when it is on
  const tracing = await startTracing(tracingSettings, version);
  if (tracingSettings)
    log.info("tracing on", { endpoint: tracingSettings.endpoint, sampler: tracingSettings.sampler, ratio: tracingSettings.ratio });
  const running = await startApi(cfg, {
    log,
    // loaded only when a fresh local registry needs a first model
    bootstrap: async (registryUri, progress) => (await import("../trainer/bootstrap.js")).bootstrapModel(registryUri, progress),
  });
  holder.models = running.runtime.models;
  if (cfg.database.kind === "embedded") {
    // a local run: an empty decision log gets a simulated week, so the console shows a working queue
    const { seedDemoDecisions } = await import("../console/demo.js");
    const rt = running.runtime;
    await rt.migrated;
    await seedDemoDecisions({
      sql: rt.sql,
      scorer: rt.scorer,
      feedback: {
        decisions: rt.decisions,
        featureStore: rt.featureStore,
        metrics: running.metrics,
        featureStoreTimeoutMs: cfg.featureStoreTimeoutMs,
      },
      log: (msg, fields) => log.info(msg, fields),
    }).catch((err: unknown) => log.warn("could not score the simulated week for the console", { error: errorMessage(err) }));
  }
  const stop = (signal: string) => {
    log.info("signal received", { signal });
    running.shutdown().then(
      // the spans still buffered are exported before the exit
      async (unwritten) => {
        await tracing?.shutdown().catch(() => undefined);
        process.exit(unwritten > 0 ? 1 : 0);
      },
      (err: unknown) => {
        log.error("shutdown failed", { error: errorMessage(err) });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`fraud API failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
