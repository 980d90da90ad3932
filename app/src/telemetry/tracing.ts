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
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
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
/** Whether a new trace (no caller's context) is sampled: the settings' root sampler, decided without making ids. */
let sampleRoot: () => boolean = () => false;
const tracer = trace.getTracer("fraud-platform");

export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * The settings' root decision as a coin toss: `traceidratio` samples a trace whose random id falls
 * under the ratio, which is the same chance, and a request that is not sampled then never needs an
 * id at all (the SDK's sampler makes a trace id and a span id before it decides: ~2.5 us measured).
 */
export function rootSampler(s: Pick<TracingSettings, "sampler" | "ratio">): () => boolean {
  const root = s.sampler.replace(/^parentbased_/, "");
  if (root === "always_on") return () => true;
  if (root === "always_off") return () => false;
  const ratio = s.ratio;
  return () => Math.random() < ratio;
}

/**
 * Marks the parent context of a root span the app has already sampled (rootSampler): the SDK's
 * sampler (sdk.ts) records it without deciding again.
 */
export const HEAD_SAMPLED = createContextKey("fraud-platform head-sampled root");
const HEAD_SAMPLED_CONTEXT = ROOT_CONTEXT.setValue(HEAD_SAMPLED, true);

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
  setTracing(settings);
  return {
    async shutdown() {
      setTracing(undefined);
      await provider.shutdown();
    },
  };
}

/** Turns the helpers on (with the settings' root sampling) or off without an SDK (tests register their own provider). */
export function setTracing(settings: Pick<TracingSettings, "sampler" | "ratio"> | undefined): void {
  enabled = settings !== undefined;
  sampleRoot = settings ? rootSampler(settings) : () => false;
}

/**
 * How a request (an HTTP request, a Kafka message) is traced, decided once as it starts. `span`:
 * sampled, the request's own span, which the caller ends. `context`: what the request runs in:
 * the span's; or, not sampled, the caller's trace when it sent one (log lines keep its trace id);
 * neither for a request not sampled without a caller's trace, which then costs nothing more.
 */
export interface RequestTrace {
  readonly span?: Span;
  readonly context?: Context;
}

const UNTRACED: RequestTrace = Object.freeze({});

/**
 * The trace of a request with these headers (Node's, lower-case, or a Kafka message's). Without a
 * `traceparent` the root sampler decides and only a sampled request gets a span, its `attributes`
 * and a context; with one, the SDK's sampler decides from the caller's (a sampled caller is continued).
 */
export function startRequest(headers: Headers | undefined, name: string, kind: SpanKind, attributes: () => Attributes): RequestTrace {
  if (!enabled) return UNTRACED;
  if (headerGetter.get(headers, "traceparent") === undefined) {
    if (!sampleRoot()) return UNTRACED;
    const span = tracer.startSpan(name, { kind, attributes: attributes() }, HEAD_SAMPLED_CONTEXT);
    return { span, context: trace.setSpan(ROOT_CONTEXT, span) };
  }
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer.startSpan(name, { kind }, parent);
  if (!span.isRecording()) return trace.getSpan(parent) ? { context: parent } : UNTRACED;
  span.setAttributes(attributes());
  return { span, context: trace.setSpan(parent, span) };
}

/** Whether the active context is in a sampled trace: a client call's span is made only then. */
function inSampledTrace(): boolean {
  const span = trace.getSpan(context.active());
  return span !== undefined && (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
}

/**
 * Runs `fn` in a span (`describe`: its name and attributes), child of the active one, when the
 * active trace is sampled; otherwise just runs it, describing nothing. For the calls a request
 * makes (Redis, PostgreSQL): each would otherwise be a root of its own, sampled apart from its request.
 */
export function inChildSpan<T>(describe: () => { name: string; attributes: Attributes }, fn: () => Promise<T>, kind: SpanKind): Promise<T> {
  if (!enabled || !inSampledTrace()) return fn();
  const { name, attributes } = describe();
  return inSpan(name, attributes, fn, kind);
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
  return tracer.startActiveSpan(name, { kind, attributes }, (span) => ending(span, fn));
}

/**
 * Runs `fn` as a trace of its own, whatever context is active (work a request set off but that
 * serves many, such as a batch of decision writes): in a root span when the root sampler samples
 * it, else outside any trace.
 */
export function inRootSpan<T>(
  name: string,
  attributes: () => Attributes,
  fn: () => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  if (!enabled) return fn();
  if (!sampleRoot()) return context.with(ROOT_CONTEXT, fn);
  return tracer.startActiveSpan(name, { kind, attributes: attributes() }, HEAD_SAMPLED_CONTEXT, (span) => ending(span, fn));
}

async function ending<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    fail(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined) fail(span, err);
  span.end();
}

/** Runs `fn` in context `ctx` (a message's, a request's); off or without one, just runs it. */
export function withContext<T>(ctx: Context | undefined, fn: () => T): T {
  return enabled && ctx ? context.with(ctx, fn) : fn();
}

/** A request's headers: a Kafka message's Map, or Node's IncomingHttpHeaders. */
type Headers = ReadonlyMap<string, string> | Readonly<Record<string, string | string[] | undefined>>;
const headerGetter = {
  keys: (carrier: Headers | undefined) => (carrier instanceof Map ? [...carrier.keys()] : Object.keys(carrier ?? {})),
  get: (carrier: Headers | undefined, key: string) =>
    carrier instanceof Map ? carrier.get(key) : (carrier as Record<string, string | string[] | undefined> | undefined)?.[key],
};

/** Headers carrying `ctx`'s trace context (traceparent, tracestate); empty when off or none. */
export function injectContext(ctx: Context | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (enabled && ctx) propagation.inject(ctx, out);
  return out;
}
