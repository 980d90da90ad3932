/**
 * `npm run bench:tracing [-- --requests N --rounds R]`: what tracing adds to a request in-process,
 * without the HTTP server, Redis or PostgreSQL. Stand-in requests go through the wrappers the API
 * puts in place (telemetry/traced.ts: the server handler; the feature store and the SQL client once
 * per 26 requests, bench:api's transactions per call), with tracing off and on at 1% sampling
 * (parentbased_traceidratio 0.01, no traceparent, spans exported to memory), alternating; prints the
 * best round's nanoseconds per request of each and the difference. On a machine shared with other
 * jobs the best round is the steadiest figure; `--mode off|on` runs one side only, once, for an
 * instruction count under valgrind (see docs/observability.md).
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import type { FeatureStore, ObserveResult, Transaction } from "../features/types";
import type { SqlClient } from "../store/sql";
import { startSdk } from "./sdk";
import { tracedFeatureStore, tracedHandler, tracedSql } from "./traced";
import { setTracing, type TracingSettings } from "./tracing";

const SETTINGS: TracingSettings = {
  endpoint: "http://unused",
  serviceName: "fraud-api",
  sampler: "parentbased_traceidratio",
  ratio: 0.01,
  resource: {},
};
/** Single requests per feature-store call in bench:api's single runs (its "tx/call"). */
const PER_CALL = 26;
const HEADERS = { host: "127.0.0.1:8080", "content-type": "application/json", "x-api-key": "k", "content-length": "250" };

const store: FeatureStore = {
  observe: async () => ({}) as ObserveResult,
  observeMany: async (txs) => txs.map(() => ({}) as ObserveResult),
  recordFraudLabel: async () => undefined,
  retractFraudLabel: async () => undefined,
  close: async () => undefined,
};
const sql: SqlClient = { query: async () => ({ rows: [] }), transaction: async (fn) => fn(sql), close: async () => undefined };

/** Nanoseconds per request of `n` stand-in requests with tracing on or off. */
async function run(on: boolean, n: number, exporter: InMemorySpanExporter): Promise<number> {
  setTracing(on ? SETTINGS : undefined);
  const handle = tracedHandler(
    () => undefined,
    () => "/v1/score",
  );
  const features = on ? tracedFeatureStore(store) : store;
  const queries = on ? tracedSql(sql) : sql;
  const txs = new Array<Transaction>(PER_CALL);
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const req = Object.assign(new EventEmitter(), { method: "POST", headers: HEADERS }) as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse;
    handle(req, res);
    if (i % PER_CALL === 0) {
      await features.observeMany(txs);
      await queries.query("SELECT transaction_id FROM decisions WHERE transaction_id = ANY($1::text[])", [[]]);
    }
    res.emit("finish");
    res.emit("close");
  }
  const ns = Number(process.hrtime.bigint() - started) / n;
  exporter.reset();
  return ns;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const n = Number(arg("requests", "100000"));
  const rounds = Number(arg("rounds", "7"));
  const mode = arg("mode", "both");
  const exporter = new InMemorySpanExporter();
  const provider = startSdk(SETTINGS, "bench", exporter);
  if (mode === "on" || mode === "off") {
    console.log(`tracing ${mode}: ${(await run(mode === "on", n, exporter)).toFixed(0)} ns per request (${n} requests, one run)`);
  } else {
    const best = { off: Infinity, on: Infinity };
    for (let r = 0; r < rounds; r++) {
      for (const on of r % 2 === 0 ? [false, true] : [true, false]) {
        const k = on ? "on" : "off";
        best[k] = Math.min(best[k], await run(on, n, exporter));
      }
    }
    console.log(
      `per request, best of ${rounds} rounds of ${n}: tracing off ${best.off.toFixed(0)} ns, on at 1% sampling ${best.on.toFixed(0)} ns; ` +
        `tracing adds ${(best.on - best.off).toFixed(0)} ns`,
    );
  }
  await provider.shutdown();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
