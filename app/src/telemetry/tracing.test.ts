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
import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tracedHandler } from "./traced";
import { activeTraceIds, inSpan, readTracingSettings, rootSampler, setTracing, type TracingSettings } from "./tracing";

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

describe("the root sampler", () => {
  it("samples as the settings' root sampler would, parent-based or not", () => {
    const share = (sample: () => boolean) => {
      let n = 0;
      for (let i = 0; i < 10_000; i++) if (sample()) n++;
      return n / 10_000;
    };
    expect(share(rootSampler({ sampler: "parentbased_always_on", ratio: 0 }))).toBe(1);
    expect(share(rootSampler({ sampler: "always_off", ratio: 1 }))).toBe(0);
    expect(share(rootSampler({ sampler: "parentbased_traceidratio", ratio: 0 }))).toBe(0);
    expect(share(rootSampler({ sampler: "traceidratio", ratio: 1 }))).toBe(1);
    // 10,000 draws at 25%: the standard deviation is 0.43 points
    expect(share(rootSampler({ sampler: "traceidratio", ratio: 0.25 }))).toBeGreaterThan(0.22);
    expect(share(rootSampler({ sampler: "traceidratio", ratio: 0.25 }))).toBeLessThan(0.28);
  });
});

describe("with the SDK on", () => {
  const exporter = new InMemorySpanExporter();
  let provider: TracerProvider;
  // ratio 0: a root is never sampled, so every span recorded here continues a sampled caller
  const settings: TracingSettings = {
    endpoint: "http://unused",
    serviceName: "fraud-api",
    sampler: "parentbased_traceidratio",
    ratio: 0,
    resource: {},
  };
  beforeAll(() => {
    provider = startSdk(settings, "test", exporter);
    setTracing(settings);
  });
  afterAll(async () => {
    setTracing(undefined);
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

  /** Runs tracedHandler once on a stand-in request; resolves with what the handler saw and the span the request made, if any. */
  const handleOnce = async (headers: Record<string, string>) => {
    await provider.forceFlush();
    const before = exporter.getFinishedSpans().length;
    const req = Object.assign(new EventEmitter(), { method: "POST", headers }) as unknown as IncomingMessage;
    const res = Object.assign(new EventEmitter(), { statusCode: 200 }) as unknown as ServerResponse;
    let seen: ReturnType<typeof activeTraceIds> = {};
    let inTrace = false;
    tracedHandler(
      () => {
        seen = activeTraceIds();
        inTrace = trace.getActiveSpan() !== undefined;
      },
      () => "/v1/score",
    )(req, res);
    res.emit("finish");
    await provider.forceFlush();
    return { seen, inTrace, spans: exporter.getFinishedSpans().slice(before) };
  };

  it("a request without a caller's trace that is not sampled makes no span and runs outside any trace", async () => {
    const { seen, inTrace, spans } = await handleOnce({ "content-type": "application/json" });
    expect(spans).toEqual([]);
    expect(inTrace).toBe(false);
    expect(seen).toEqual({});
  });

  it("a caller's unsampled trace makes no span, and the request's log lines keep the caller's trace id", async () => {
    const other = "22222222222222222222222222222222";
    const { seen, spans } = await handleOnce({ traceparent: traceparent("00", other) });
    expect(spans).toEqual([]);
    expect(seen).toEqual({ traceId: other, spanId: CALLER });
  });

  it("a caller's sampled trace is continued: the request's span is its child and is active in the handler", async () => {
    const sampled = "33333333333333333333333333333333";
    const { seen, spans } = await handleOnce({ traceparent: traceparent("01", sampled) });
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: "POST /v1/score", kind: SpanKind.SERVER });
    expect(spans[0].spanContext().traceId).toBe(sampled);
    expect(spans[0].parentSpanContext?.spanId).toBe(CALLER);
    expect(seen).toEqual({ traceId: sampled, spanId: spans[0].spanContext().spanId });
  });

  it("a root the root sampler samples gets a span even though the SDK's own root ratio is 0", async () => {
    setTracing({ sampler: "parentbased_always_on", ratio: 1 });
    try {
      const { spans, seen } = await handleOnce({});
      expect(spans).toHaveLength(1);
      expect(spans[0].parentSpanContext).toBeUndefined();
      expect(seen.traceId).toBe(spans[0].spanContext().traceId);
    } finally {
      setTracing(settings);
    }
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

      it("records no span of a request that brings no trace and is not sampled (Redis, PostgreSQL included)", async () => {
        await provider.forceFlush();
        const before = exporter.getFinishedSpans().length;
        expect((await h.request("POST", "/v1/score", tx())).status).toBe(200);
        await provider.forceFlush();
        expect(exporter.getFinishedSpans().slice(before)).toEqual([]);
      });

      it("records nothing of a caller that did not sample its trace", async () => {
        const other = "11111111111111111111111111111111";
        expect((await h.request("POST", "/v1/score", tx(), { traceparent: traceparent("00", other) })).status).toBe(200);
        expect(await spansOf(other)).toEqual([]);
      });
    });
  });
});
