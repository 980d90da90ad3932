import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as YAML from "yaml";
import { ENV } from "../../app/src/config/deploy-contract";
import { restrictedNamespace } from "../workloads/namespaces";
import { selectorOf, workloadLabels } from "../workloads/names";
import { hardenedContainer, hardenedPodSpec, httpProbe } from "../workloads/pod";
import { ScaledDeployment } from "../workloads/scaled-deployment";
import { irsaServiceAccount } from "../workloads/service-account";
import { WORKLOAD_DEFAULTS } from "../workloads/options";
import { COLLECTOR_SERVICE, OBSERVABILITY_NAMESPACES, OBSERVABILITY_SERVICE_ACCOUNTS, OTLP_PORTS } from "./names";
import { COLLECTOR_HEALTH_PORT, collectorConfig, tracingPolicies, type TracingOptions } from "./tracing";

export interface TraceCollectorArgs {
  /** Sampling, exporter, collector size (defaults in `TracingOptions`). */
  readonly tracing: TracingOptions;
  /** The region (X-Ray's, and the SDK's for the IRSA token exchange). */
  readonly region: pulumi.Input<string>;
  /** The collector's IRSA role (X-Ray writes); required with the xray exporter. */
  readonly roleArn?: pulumi.Input<string>;
  /** Subnets of the interface endpoints (X-Ray, STS): the collector's egress with the xray exporter. */
  readonly endpointSubnetCidrs: readonly string[];
  /** How strictly replicas are spread over zones. Default: `ScheduleAnyway`. */
  readonly zoneSpread?: "DoNotSchedule" | "ScheduleAnyway";
  /** The workloads' Namespace resources, so their egress policies wait for them. */
  readonly clientNamespaces: Readonly<Record<string, pulumi.Input<string>>>;
}

const PORT_NAMES = { grpc: "otlp-grpc", http: "otlp-http", health: "health" } as const;

/**
 * The OpenTelemetry collector (ADOT distribution: it carries the X-Ray exporter) as a Deployment
 * under an HPA with a disruption budget, hardened like our own workloads, behind a ClusterIP
 * Service at `otel-collector.observability:4317/4318`, in its own `restricted` namespace with its
 * network policies; the workloads' namespaces get egress to it.
 */
export class TraceCollector extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: TraceCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:observability:TraceCollector", name, {}, opts);
    const t = args.tracing;
    if (t.exporter.kind === "xray" && args.roleArn === undefined) throw new Error("TraceCollector: the xray exporter needs roleArn");
    const parent = { parent: this };
    const ns = restrictedNamespace(`${name}-namespace`, OBSERVABILITY_NAMESPACES.tracing, {}, parent);
    const policies = tracingPolicies(t, args.endpointSubnetCidrs).map(
      (p) =>
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${p.namespace}-${p.name}`,
          {
            metadata: {
              name: p.name,
              namespace:
                p.namespace === OBSERVABILITY_NAMESPACES.tracing ? ns.metadata.name : (args.clientNamespaces[p.namespace] ?? p.namespace),
              labels: { "app.kubernetes.io/part-of": "fraud-platform", "app.kubernetes.io/managed-by": "pulumi" },
            },
            spec: p.spec,
          },
          parent,
        ),
    );
    const labels = workloadLabels(COLLECTOR_SERVICE, "tracing");
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { name: `${COLLECTOR_SERVICE}-config`, namespace: ns.metadata.name, labels },
        data: { "config.yaml": pulumi.output(args.region).apply((region) => YAML.stringify(collectorConfig(t, region))) },
      },
      parent,
    );
    const sa = OBSERVABILITY_SERVICE_ACCOUNTS.collector;
    const account = args.roleArn
      ? irsaServiceAccount(`${name}-sa`, { namespace: ns.metadata.name, name: sa.name }, args.roleArn, "tracing", parent)
      : new k8s.core.v1.ServiceAccount(
          `${name}-sa`,
          { metadata: { name: sa.name, namespace: ns.metadata.name, labels }, automountServiceAccountToken: false },
          parent,
        );
    const container = hardenedContainer({
      name: "collector",
      image: t.collector.image,
      command: ["/awscollector"],
      args: ["--config=/conf/config.yaml"],
      env: { [ENV.awsRegion]: args.region },
      resources: t.collector.resources,
      ports: [
        { name: PORT_NAMES.grpc, containerPort: OTLP_PORTS.grpc, protocol: "TCP" },
        { name: PORT_NAMES.http, containerPort: OTLP_PORTS.http, protocol: "TCP" },
        { name: PORT_NAMES.health, containerPort: COLLECTOR_HEALTH_PORT, protocol: "TCP" },
      ],
      livenessProbe: httpProbe("/", PORT_NAMES.health, { initialDelaySeconds: 10 }),
      readinessProbe: httpProbe("/", PORT_NAMES.health),
    });
    const pod = hardenedPodSpec({
      serviceAccountName: sa.name,
      containers: [
        {
          ...container,
          volumeMounts: [
            ...(container.volumeMounts as k8s.types.input.core.v1.VolumeMount[]),
            { name: "config", mountPath: "/conf", readOnly: true },
          ],
        },
      ],
      terminationGracePeriodSeconds: 30,
    });
    const deployment = new ScaledDeployment(
      `${name}-collector`,
      {
        namespace: ns.metadata.name,
        name: COLLECTOR_SERVICE,
        component: "tracing",
        scaling: {
          ...WORKLOAD_DEFAULTS.worker,
          minReplicas: t.collector.minReplicas,
          maxReplicas: t.collector.maxReplicas,
          resources: t.collector.resources,
        },
        zoneSpread: args.zoneSpread ?? "ScheduleAnyway",
        podSpec: {
          ...pod,
          volumes: [...(pod.volumes as k8s.types.input.core.v1.Volume[]), { name: "config", configMap: { name: config.metadata.name } }],
        },
        // A changed configuration rolls the collectors.
        podAnnotations: {
          "fraud-platform/config-hash": config.data.apply((d) =>
            createHash("sha256")
              .update(d["config.yaml"] ?? "")
              .digest("hex")
              .slice(0, 16),
          ),
        },
        dependsOn: [account, ...policies],
      },
      parent,
    );
    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: COLLECTOR_SERVICE, namespace: ns.metadata.name, labels },
        spec: {
          type: "ClusterIP",
          selector: selectorOf(COLLECTOR_SERVICE),
          ports: [
            { name: PORT_NAMES.grpc, port: OTLP_PORTS.grpc, targetPort: PORT_NAMES.grpc, protocol: "TCP" },
            { name: PORT_NAMES.http, port: OTLP_PORTS.http, targetPort: PORT_NAMES.http, protocol: "TCP" },
          ],
        },
      },
      { parent: this, dependsOn: [deployment] },
    );
    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName });
  }
}
