import { parseCidr } from "../infra/network/cidr";
import { TRACING_DEFAULTS, type TraceExporter, type TracingOptions } from "../infra/observability/tracing";
import type { ContainerResources } from "../infra/workloads/options";
import type { SectionReader } from "./validate";

/**
 * `fraud-platform:observability`: distributed tracing (container logs are always shipped; their
 * settings are under `logs`). Defaults in infra/observability/tracing.ts.
 *
 *   pulumi config set --path observability.tracing.enabled true
 *   pulumi config set --path observability.tracing.samplingRatio 0.05
 */
export interface ObservabilitySettings {
  /** Absent: tracing off (no collector, no OTEL_* variables in the workloads). */
  readonly tracing?: TracingOptions;
}

const IMAGE_PINNED = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:(?!latest$)[A-Za-z0-9_.-]+|@sha256:[0-9a-f]{64})$/;
const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;

function resources(s: SectionReader, d: ContainerResources): ContainerResources {
  const read = (kind: "requests" | "limits") => {
    const r = s.section(kind);
    return {
      cpu: r.string("cpu", { default: d[kind].cpu, pattern: CPU, describe: 'a CPU quantity such as "100m" or "1"' }),
      memory: r.string("memory", { default: d[kind].memory, pattern: MEMORY, describe: 'a memory quantity such as "128Mi"' }),
    };
  };
  return { requests: read("requests"), limits: read("limits") };
}

function exporter(s: SectionReader): TraceExporter {
  const kind = s.oneOf("exporter", ["xray", "otlp"] as const, TRACING_DEFAULTS.exporter.kind);
  const otlp = s.section("otlp");
  const endpoint = otlp.string("endpoint", {
    default: "",
    pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
    describe: "an OTLP/HTTP base URL such as https://tempo.internal:4318",
  });
  const egressCidrs = otlp.stringList("egressCidrs", {
    default: [],
    item: (v) => {
      const c = parseCidr(v);
      return typeof c === "string" ? c : c.prefix === 0 ? "a CIDR narrower than /0" : undefined;
    },
  });
  if (kind === "xray") {
    if (endpoint || egressCidrs.length) otlp.problem("endpoint", endpoint || undefined, 'unset unless exporter is "otlp"');
    return { kind };
  }
  if (!endpoint) otlp.problem("endpoint", undefined, 'an OTLP/HTTP URL: exporter is "otlp"');
  if (egressCidrs.length === 0)
    otlp.problem("egressCidrs", egressCidrs, "the CIDRs the OTLP endpoint answers at (the collector may reach nothing else)");
  return { kind, endpoint, egressCidrs };
}

/** Reads `observability.tracing`; `stack` becomes every span's `deployment.environment`. */
export function observabilitySettings(s: SectionReader, stack: string): ObservabilitySettings {
  const t = s.section("tracing");
  const enabled = t.bool("enabled", false);
  const d = TRACING_DEFAULTS;
  const samplingRatio = t.number("samplingRatio", { min: 0.0001, max: 1, default: d.samplingRatio });
  const exp = exporter(t);
  const c = t.section("collector");
  const minReplicas = c.int("minReplicas", { min: 1, max: 20, default: d.collector.minReplicas });
  const maxReplicas = c.int("maxReplicas", { min: 1, max: 50, default: Math.max(d.collector.maxReplicas, minReplicas) });
  if (maxReplicas < minReplicas) c.problem("maxReplicas", maxReplicas, `at least minReplicas (${minReplicas})`);
  const collector = {
    minReplicas,
    maxReplicas,
    image: c.string("image", {
      default: d.collector.image,
      pattern: IMAGE_PINNED,
      describe: "an image pinned by a tag other than latest or by digest",
    }),
    resources: resources(c.section("resources"), d.collector.resources),
  };
  return enabled ? { tracing: { samplingRatio, environment: stack, exporter: exp, collector } } : {};
}
