/**
 * The OpenTelemetry SDK, loaded only when tracing is on (tracing.ts imports this lazily): a
 * provider with a batch exporter over OTLP/HTTP protobuf, the sampler from the settings, W3C
 * trace-context propagation and AsyncLocalStorage context.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { HEAD_SAMPLED, type TracingSettings } from "./tracing";

/** The settings' sampler, except that a root the app has already sampled (HEAD_SAMPLED, see startRequest) is recorded. */
export function sampler(s: TracingSettings): Sampler {
  const root = s.sampler.endsWith("always_on")
    ? new AlwaysOnSampler()
    : s.sampler.endsWith("always_off")
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(s.ratio);
  const configured = s.sampler.startsWith("parentbased_") ? new ParentBasedSampler({ root }) : root;
  return {
    shouldSample: (ctx, ...rest) =>
      ctx.getValue(HEAD_SAMPLED) === true ? { decision: SamplingDecision.RECORD_AND_SAMPLED } : configured.shouldSample(ctx, ...rest),
    toString: () => `HeadSampled{${configured.toString()}}`,
  };
}

/** Registers the global provider, propagator and context manager. `exporter`: tests pass an in-memory one. */
export function startSdk(s: TracingSettings, version: string, exporter?: SpanExporter): TracerProvider {
  const provider = new TracerProvider({
    sampler: sampler(s),
    resource: resourceFromAttributes({ "service.version": version, ...s.resource, "service.name": s.serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter: exporter ?? new OTLPTraceExporter({ url: `${s.endpoint}/v1/traces` }) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return provider;
}
