import { ENV } from "../../app/src/config/deploy-contract";
import type { ContainerResources } from "../workloads/options";
import type { EnvValues } from "../workloads/pod";
import { allowDns, defaultDeny, type NamedPolicy } from "../workloads/network-policies";
import { NAMESPACES } from "../workloads/names";
import { COLLECTOR_OTLP_HTTP_ENDPOINT, COLLECTOR_SERVICE, OBSERVABILITY_NAMESPACES, OTLP_PORTS } from "./names";

/** Where the collector sends traces. */
export type TraceExporter =
  /** AWS X-Ray, with the collector's IRSA role, through the VPC's X-Ray interface endpoint. */
  | { readonly kind: "xray" }
  /**
   * Any OTLP/HTTP backend (Tempo, Jaeger, an OTLP gateway) that accepts the collector without
   * credentials, at `endpoint`, reached at `egressCidrs` on the endpoint's port (never the whole
   * internet: the collector's egress is a network policy like every other).
   */
  | { readonly kind: "otlp"; readonly endpoint: string; readonly egressCidrs: readonly string[] };

/** Distributed tracing: the collector on the cluster and what the workloads are told. */
export interface TracingOptions {
  /** Fraction of root traces sampled, (0, 1]; spans whose parent was sampled always are. Default: 0.01. */
  readonly samplingRatio: number;
  /** `deployment.environment` of every span: the stack. */
  readonly environment: string;
  /** Default: X-Ray. */
  readonly exporter: TraceExporter;
  readonly collector: {
    /** Default: 2 (a rollout or a lost node keeps one receiving). */
    readonly minReplicas: number;
    /** Default: 4. */
    readonly maxReplicas: number;
    /** The ADOT collector image, pinned. Default: `public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3`. */
    readonly image: string;
    /** Default: requests 100m / 128Mi, limits 1 / 512Mi. */
    readonly resources: ContainerResources;
  };
}

/** The defaults of `TracingOptions` (beside `environment`, which is the stack's). */
export const TRACING_DEFAULTS = {
  samplingRatio: 0.01,
  exporter: { kind: "xray" },
  collector: {
    minReplicas: 2,
    maxReplicas: 4,
    image: "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3",
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  },
} as const satisfies Omit<TracingOptions, "environment">;

/** The collector's health endpoint (`health_check` extension), probed by the kubelet. */
export const COLLECTOR_HEALTH_PORT = 13133;

/**
 * What a workload's container is told when tracing is on (OpenTelemetry's own variables, read by
 * the SDK): the collector's OTLP/HTTP endpoint, parent-based ratio sampling and its service name.
 * Nothing when tracing is off: the app then starts no exporter.
 */
export function tracingEnv(t: TracingOptions | undefined, serviceName: string): EnvValues {
  if (!t) return {};
  return {
    [ENV.otelEndpoint]: COLLECTOR_OTLP_HTTP_ENDPOINT,
    [ENV.otelProtocol]: "http/protobuf",
    [ENV.otelSampler]: "parentbased_traceidratio",
    [ENV.otelSamplerArg]: String(t.samplingRatio),
    [ENV.otelServiceName]: serviceName,
    [ENV.otelResourceAttributes]: `deployment.environment=${t.environment}`,
  };
}

/**
 * The collector's configuration: OTLP in (gRPC and HTTP), a memory limiter first (it refuses data
 * rather than be OOM-killed), batches, then the one exporter. `region` is X-Ray's.
 */
export function collectorConfig(t: TracingOptions, region: string): Record<string, unknown> {
  const exporter =
    t.exporter.kind === "xray"
      ? { awsxray: { region, indexed_attributes: ["transaction.id", "model.version"] } }
      : { otlphttp: { endpoint: t.exporter.endpoint } };
  return {
    extensions: { health_check: { endpoint: `0.0.0.0:${COLLECTOR_HEALTH_PORT}` } },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_PORTS.grpc}` }, http: { endpoint: `0.0.0.0:${OTLP_PORTS.http}` } } },
    },
    processors: {
      memory_limiter: { check_interval: "1s", limit_percentage: 80, spike_limit_percentage: 25 },
      batch: { timeout: "5s", send_batch_size: 512 },
    },
    exporters: exporter,
    service: {
      extensions: ["health_check"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: Object.keys(exporter) } },
    },
  };
}

const tcp = (port: number) => ({ protocol: "TCP", port });
const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const collectorPods = { matchLabels: { "app.kubernetes.io/name": COLLECTOR_SERVICE } };

/** The port of an OTLP/HTTP endpoint URL (443 for https, 80 for http, unless given). */
export function endpointPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
}

/**
 * Network policies for tracing: the collector's namespace starts closed, admits OTLP from our two
 * namespaces only, and sends to the X-Ray/STS interface endpoints' subnets (xray) or to the OTLP
 * backend's CIDRs on its port (otlp); our namespaces may reach the collector's OTLP ports.
 */
export function tracingPolicies(t: TracingOptions, endpointSubnetCidrs: readonly string[]): NamedPolicy[] {
  const ns = OBSERVABILITY_NAMESPACES.tracing;
  const clients = [NAMESPACES.serving, NAMESPACES.training];
  const otlpPorts = [tcp(OTLP_PORTS.grpc), tcp(OTLP_PORTS.http)];
  const out =
    t.exporter.kind === "xray"
      ? { cidrs: endpointSubnetCidrs, port: 443 }
      : { cidrs: t.exporter.egressCidrs, port: endpointPort(t.exporter.endpoint) };
  if (out.cidrs.length === 0) throw new Error("tracing: no CIDR for the collector to export to");
  if (out.cidrs.some((c) => c.endsWith("/0")))
    throw new Error(`tracing: the collector's egress must not be open to ${out.cidrs.join(", ")}`);
  return [
    defaultDeny(ns),
    allowDns(ns),
    {
      name: "collector-from-workloads",
      namespace: ns,
      spec: {
        podSelector: collectorPods,
        policyTypes: ["Ingress"],
        ingress: [{ from: clients.map((c) => ({ namespaceSelector: nsSelector(c) })), ports: otlpPorts }],
      },
    },
    {
      name: "collector-to-backend",
      namespace: ns,
      spec: {
        podSelector: collectorPods,
        policyTypes: ["Egress"],
        // STS (the IRSA token exchange) is among the endpoint subnets too.
        egress: [
          { to: out.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(out.port)] },
          ...(t.exporter.kind === "otlp" ? [{ to: endpointSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443)] }] : []),
        ],
      },
    },
    ...clients.map((c) => ({
      name: "to-trace-collector",
      namespace: c,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fraud-platform" } },
        policyTypes: ["Egress"],
        egress: [{ to: [{ namespaceSelector: nsSelector(ns), podSelector: collectorPods }], ports: otlpPorts }],
      },
    })),
  ];
}
