/**
 * Names shared by the AWS side (IRSA trust policies name these service accounts) and the
 * Kubernetes side of logs and traces.
 */
export const OBSERVABILITY_NAMESPACES = { logging: "logging", tracing: "observability" } as const;

export const OBSERVABILITY_SERVICE_ACCOUNTS = {
  /** The Fluent Bit DaemonSet's (created by its chart with this name). */
  logShipper: { namespace: OBSERVABILITY_NAMESPACES.logging, name: "fluent-bit" },
  /** The OpenTelemetry collector's. */
  collector: { namespace: OBSERVABILITY_NAMESPACES.tracing, name: "otel-collector" },
} as const;

/** The collector's Service: `otel-collector.observability.svc.cluster.local`. */
export const COLLECTOR_SERVICE = "otel-collector";
export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;

/** The collector's in-cluster OTLP/HTTP endpoint, as the apps' `OTEL_EXPORTER_OTLP_ENDPOINT`. */
export const COLLECTOR_OTLP_HTTP_ENDPOINT = `http://${COLLECTOR_SERVICE}.${OBSERVABILITY_NAMESPACES.tracing}.svc.cluster.local:${OTLP_PORTS.http}`;

/** The stack's container log group: one per stack, every workload's container logs. */
export const containerLogGroupName = (clusterName: string): string => `/aws/eks/${clusterName}/containers`;
