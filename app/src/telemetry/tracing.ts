/**
 * OpenTelemetry tracing for the API, the stream worker and the trainer, off unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, nothing of the SDK is loaded and every helper here calls
 * straight through (one boolean test). On, spans are made by hand at the seams the app owns (HTTP
 * server, feature store, SQL client, AWS SDK middleware, Kafka adapter) instead of by
 * require-hook auto-instrumentation, which cannot see modules inside the esbuild bundles the
 * images run. Settings are the SDK's standard variables (see ENV.otel* in the deploy contract).
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from "@opentelemetry/api";
import { ENV } from "../config/deploy-contract";
import { EnvReader, type Env } from "../config/env-reader";

export { SpanKind, type Context };

export interface TracingSettings {
  /** OTLP/HTTP base URL; spans go to `${endpoint}/v1/traces`. */
  readonly endpoint: string;
  readonly serviceName: string;
  /** OTEL_TRACES_SAMPLER (default `parentbased_always_on`, the SDK's). */
  readonly sampler: Sampler;
  /** OTEL_TRACES_SAMPLER_ARG for the ratio samplers, 0..1 (default 1). */
  readonly ratio: number;
  /** OTEL_RESOURCE_ATTRIBUTES, parsed. */
  readonly resource: Readonly<Record<string, string>>;
}

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type Sampler = (typeof SAMPLERS)[number];

/** `k=v,k=v` with percent-encoded values (the SDK's OTEL_RESOURCE_ATTRIBUTES format). */
export function parseResourceAttributes(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (s ?? "").split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    try {
      out[key] = decodeURIComponent(raw);
    } catch {
      out[key] = raw;
    }
  }
  return out;
}

/** The tracing settings, or undefined when no endpoint is set (tracing off). Throws on a bad value. */
export function readTracingSettings(defaultService: string, env: Env = process.env): TracingSettings | undefined {
  const r = new EnvReader(env);
  const endpoint = r.str(ENV.otelEndpoint);
  const sampler = (r.str(ENV.otelSampler) ?? "parentbased_always_on") as Sampler;
  if (!SAMPLERS.includes(sampler)) r.problems.push(`${ENV.otelSampler}=${JSON.stringify(sampler)}: expected one of ${SAMPLERS.join(", ")}`);
  const ratio = r.num(ENV.otelSamplerArg, 0, 1) ?? 1;
  const protocol = r.str(ENV.otelProtocol);
  if (protocol !== undefined && protocol !== "http/protobuf")
    r.problems.push(`${ENV.otelProtocol}=${JSON.stringify(protocol)}: only http/protobuf is supported`);
  const serviceName = r.str(ENV.otelServiceName) ?? defaultService;
  const resource = parseResourceAttributes(r.str(ENV.otelResourceAttributes));
  r.done();
  return endpoint ? { endpoint: endpoint.replace(/\/+$/, ""), serviceName, sampler, ratio, resource } : undefined;
}

let enabled = false;
const tracer = trace.getTracer("fraud-platform");

export function tracingEnabled(): boolean {
  return enabled;
}

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts the SDK when `settings` is defined: the global tracer provider (batch export over OTLP),
 * the W3C trace-context propagator and the AsyncLocalStorage context manager.
 */
export async function startTracing(settings: TracingSettings | undefined, version: string): Promise<Tracing | undefined> {
  if (!settings) return undefined;
  const { startSdk } = await import("./sdk.js");
  const provider = startSdk(settings, version);
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await provider.shutdown();
    },
  };
}

/** Turns the helpers on or off without an SDK (tests register their own provider). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** The active span's ids, for log lines; empty when there is none. */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  if (!enabled) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const c = span.spanContext();
  return trace.isSpanContextValid(c) ? { traceId: c.traceId, spanId: c.spanId } : {};
}

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** Runs `fn` in a span named `name` (child of the active one); off, just runs it. */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  if (!enabled) return fn();
  return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn();
    } catch (err) {
      fail(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Starts a span under `parent` (default: the active context); the caller ends it. */
export function startSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context = context.active()): Span {
  return tracer.startSpan(name, { kind, attributes }, parent);
}

export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) fail(span, err);
  span.end();
}

/** `parent` with `span` as its active span. */
export function spanContext(span: Span, parent: Context = context.active()): Context {
  return trace.setSpan(parent, span);
}

/** Runs `fn` with `span` active (under `parent`). */
export function withSpan<T>(span: Span, fn: () => T, parent: Context = context.active()): T {
  return context.with(trace.setSpan(parent, span), fn);
}

/** Runs `fn` in context `ctx` (a message's, a request's); off or without one, just runs it. */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  return enabled && ctx ? context.with(ctx, fn) : fn();
}

export function activeContext(): Context | undefined {
  return enabled ? context.active() : undefined;
}

const headerGetter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key),
};
type Headers = { keys(): Iterable<string>; get(key: string): string | string[] | undefined };

/** The trace context in `headers` (W3C traceparent/tracestate), as the parent of what follows. */
export function extractContext(headers: Headers | undefined): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** Headers carrying `ctx`'s trace context (traceparent, tracestate); empty when off or none. */
export function injectContext(ctx: Context | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (enabled && ctx) propagation.inject(ctx, out);
  return out;
}
