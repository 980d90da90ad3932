/**
 * Tracing on, with the SDK's in-memory exporter: the API over real PostgreSQL and Redis continues
 * a caller's W3C trace (server, Redis and PostgreSQL spans in it), an unsampled caller's trace
 * records nothing, log lines carry the active trace id, and Kafka messages carry the trace from a
 * producer's headers into scoring and on into the decisions' headers.
 */
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type TracerProvider } from "@opentelemetry/sdk-trace";
import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { START_TIMEOUT_MS, startHarness, tx, type Harness } from "../api/testing/harness";
import { deletePrefix } from "../serving/rebuild-features";
import { createLogger } from "../serving/log";
import { postgresClient } from "../store/sql";
import { describeWithPostgres, describeWithRedis, uniqueTestName } from "../testing/services";
import { decisionMessages, tracedMessage } from "../worker/kafka-adapter";
import { startSdk } from "./sdk";
import { inSpan, readTracingSettings, setTracingEnabled } from "./tracing";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER = "00f067aa0ba902b7";
const traceparent = (flags: "01" | "00", trace = TRACE) => `00-${trace}-${CALLER}-${flags}`;

describe("tracing settings", () => {
  it("are off without an endpoint, and read the SDK's variables with one", () => {
    expect(readTracingSettings("fraud-api", {})).toBeUndefined();
    expect(
      readTracingSettings("fraud-api", {
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.01",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=prod,service.version=v%201",
      }),
    ).toEqual({
      endpoint: "http://collector:4318",
      serviceName: "fraud-api",
      sampler: "parentbased_traceidratio",
      ratio: 0.01,
      resource: { "deployment.environment": "prod", "service.version": "v 1" },
    });
  });

  it("refuse a sampler or a protocol the app does not implement", () => {
    expect(() =>
      readTracingSettings("fraud-api", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_SAMPLER: "jaeger_remote" }),
    ).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() =>
      readTracingSettings("fraud-api", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
    ).toThrow(/only http\/protobuf/);
  });
});

describe("with the SDK on", () => {
  const exporter = new InMemorySpanExporter();
  let provider: TracerProvider;
  beforeAll(() => {
    // ratio 0: a root is never sampled, so every span recorded here continues a sampled caller
    provider = startSdk(
      { endpoint: "http://unused", serviceName: "fraud-api", sampler: "parentbased_traceidratio", ratio: 0, resource: {} },
      "test",
      exporter,
    );
    setTracingEnabled(true);
  });
  afterAll(async () => {
    setTracingEnabled(false);
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  const spansOf = async (traceId: string) => {
    await provider.forceFlush();
    return exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  };

  it("log lines carry the service, the version and the active span's trace id", async () => {
    const lines: string[] = [];
    const log = createLogger("info", {
      write: (l) => void lines.push(l),
      service: "fraud-api",
      version: "1.2.3",
      mixin: () => ({ modelVersion: "v9" }),
    });
    log.info("outside");
    const ctx = propagation.extract(context.active(), { traceparent: traceparent("01") });
    await context.with(ctx, () => inSpan("work", {}, async () => log.info("inside", { transactionId: "t1" })));
    const [outside, inside] = lines.map((l) => JSON.parse(l));
    expect(outside).toMatchObject({ msg: "outside", service: "fraud-api", version: "1.2.3", modelVersion: "v9" });
    expect(outside.traceId).toBeUndefined();
    expect(inside).toMatchObject({ msg: "inside", service: "fraud-api", transactionId: "t1", traceId: TRACE });
    expect(inside.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("a Kafka message's headers parent its consumer span, and its decision's headers carry the trace on", async () => {
    const m = tracedMessage({
      topic: "transactions",
      partition: 3,
      offset: 42n,
      value: "{}",
      headers: new Map([["traceparent", traceparent("01", "0af7651916cd43dd8448eb211c80319c")]]),
      commit: () => undefined,
    });
    const [consumer] = await spansOf("0af7651916cd43dd8448eb211c80319c");
    expect(consumer).toMatchObject({ name: "transactions process", kind: SpanKind.CONSUMER });
    expect(consumer.parentSpanContext?.spanId).toBe(CALLER);
    const [message] = decisionMessages([{ key: "t1", value: "{}", context: m.context }], "decisions");
    expect((message as unknown as { headers: Record<string, string> }).headers.traceparent).toBe(
      `00-0af7651916cd43dd8448eb211c80319c-${consumer.spanContext().spanId}-01`,
    );
  });

  describeWithPostgres("the API", (databaseUrl) => {
    describeWithRedis("with Redis", (redisUrl) => {
      const schema = uniqueTestName("tracing");
      const prefix = `${schema}:`;
      let h: Harness;
      beforeAll(async () => {
        h = await startHarness({ env: { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl }, schema, redisKeyPrefix: prefix });
      }, START_TIMEOUT_MS);
      afterAll(async () => {
        await h.close();
        const redis = new Redis(redisUrl);
        await deletePrefix(redis, prefix);
        redis.disconnect();
        const sql = postgresClient({ connectionString: databaseUrl, max: 1 });
        await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await sql.close();
        // SCAN walks the whole keyspace: slow while another run fills Redis
      }, 120_000);

      it("continues a sampled caller's trace: server, Redis and PostgreSQL spans in it", async () => {
        const t = tx();
        expect((await h.request("POST", "/v1/score", t, { traceparent: traceparent("01") })).status).toBe(200);
        const fb = await h.request(
          "POST",
          "/v1/feedback",
          { transactionId: t.transactionId, label: "fraud" },
          { traceparent: traceparent("01") },
        );
        expect(fb.json).toMatchObject({ stored: true, featuresUpdated: true });
        const spans = await spansOf(TRACE);
        const names = spans.map((s) => s.name);
        expect(names).toEqual(expect.arrayContaining(["POST /v1/score", "redis observe", "POST /v1/feedback", "pg INSERT", "redis label"]));
        const server = spans.find((s) => s.name === "POST /v1/score")!;
        expect(server.kind).toBe(SpanKind.SERVER);
        expect(server.parentSpanContext?.spanId).toBe(CALLER);
        expect(server.attributes).toMatchObject({ "http.route": "/v1/score", "http.response.status_code": 200 });
        expect(server.resource.attributes).toMatchObject({ "service.name": "fraud-api", "service.version": "test" });
      });

      it("records nothing of a caller that did not sample its trace", async () => {
        const other = "11111111111111111111111111111111";
        expect((await h.request("POST", "/v1/score", tx(), { traceparent: traceparent("00", other) })).status).toBe(200);
        expect(await spansOf(other)).toEqual([]);
      });
    });
  });
});
