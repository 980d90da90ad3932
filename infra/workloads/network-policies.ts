import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PORTS } from "../../app/src/config/deploy-contract";
import { NAMESPACES, WORKLOAD_NAMES, selectorOf } from "./names";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Ports the workloads open to the data stores. */
export const DATA_STORE_PORTS = { redis: 6379, postgres: 5432, mskIam: 9098, https: 443 } as const;

/** The operator's admission webhook port, set in the kube-prometheus-stack values (`prometheusOperator.tls.internalPort`). */
export const OPERATOR_WEBHOOK_PORT = 10250;

export interface NetworkPolicyInputs {
  /** The VPC's CIDR: load balancer nodes, kubelets and the data stores all live inside it. */
  readonly vpcCidr: string;
  /** Private subnets: the EKS control plane's network interfaces (it calls admission webhooks from there). */
  readonly privateSubnetCidrs: readonly string[];
  /** Subnets holding the interface endpoints (STS, Secrets Manager, ECR). */
  readonly endpointSubnetCidrs: readonly string[];
  /** The region's S3 ranges (the S3 gateway endpoint's prefix list). */
  readonly s3Cidrs: readonly string[];
  /** Namespace of Prometheus, the only scraper allowed on the metrics port. */
  readonly monitoringNamespace: string;
  /** Namespaces admitted into the monitoring namespace (besides itself). */
  readonly monitoringClients: readonly string[];
  /** True when the program creates the monitoring namespace (kube-prometheus-stack installed): it gets policies too. */
  readonly ownsMonitoringNamespace: boolean;
  /** True when the drift-retrain CronJob runs: it asks Prometheus and calls the Kubernetes API. */
  readonly driftRetrain: boolean;
}

/** Prometheus' HTTP port (kube-prometheus-stack). */
const PROMETHEUS_PORT = 9090;
const prometheusPods = (ns: string) => ({
  namespaceSelector: nsSelector(ns),
  podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
});

export interface NamedPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly spec: PolicySpec;
}

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const tcp = (port: number | string) => ({ protocol: "TCP", port });

export function defaultDeny(namespace: string): NamedPolicy {
  return { name: "default-deny", namespace, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

export function allowDns(namespace: string): NamedPolicy {
  return {
    name: "allow-dns",
    namespace,
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
        },
      ],
    },
  };
}

/**
 * HTTPS to AWS APIs, and nowhere else on 443. A NetworkPolicy can name neither a security group
 * nor a prefix list, only CIDRs, so the two ways AWS APIs are reached inside the VPC become CIDRs:
 * the subnets holding the interface endpoints' network interfaces (STS, Secrets Manager, ECR; their
 * private DNS names resolve there), and the S3 prefix list's ranges, which the gateway endpoint
 * routes (S3 answers on its public addresses). The endpoint subnets are never empty, so the rule
 * never degenerates into "to anywhere" (an empty `to` would mean that).
 */
export function awsApisEgress(i: Pick<NetworkPolicyInputs, "endpointSubnetCidrs" | "s3Cidrs">) {
  if (i.endpointSubnetCidrs.length === 0) throw new Error("network policies: no interface endpoint subnet to allow HTTPS to");
  const cidrs = [...new Set([...i.endpointSubnetCidrs, ...i.s3Cidrs])];
  if (cidrs.some((c) => c.endsWith("/0"))) throw new Error(`network policies: HTTPS egress must not be open to ${cidrs.join(", ")}`);
  return { to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(DATA_STORE_PORTS.https)] };
}

/**
 * Every NetworkPolicy of the workloads, as plain data (tested without mocks). Each namespace
 * starts from deny-all in both directions; each rule below opens one documented path.
 */
export function networkPolicies(i: NetworkPolicyInputs): NamedPolicy[] {
  const vpc = [{ ipBlock: { cidr: i.vpcCidr } }];
  const awsApis = awsApisEgress(i);
  const serving = NAMESPACES.serving;
  const training = NAMESPACES.training;
  return [
    defaultDeny(serving),
    allowDns(serving),
    {
      // target-type ip: the ALB connects straight to pod IPs from its nodes in the public subnets,
      // and kubelets probe from the nodes: both inside the VPC.
      name: "api-from-load-balancer",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.api) },
        policyTypes: ["Ingress"],
        ingress: [{ from: vpc, ports: [tcp(PORTS.http)] }],
      },
    },
    {
      name: "worker-from-kubelet",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.worker) },
        policyTypes: ["Ingress"],
        ingress: [{ from: vpc, ports: [tcp(PORTS.http)] }],
      },
    },
    {
      name: "metrics-from-prometheus",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fraud-platform" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [
              {
                namespaceSelector: nsSelector(i.monitoringNamespace),
                podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
              },
            ],
            ports: [tcp(PORTS.metrics)],
          },
        ],
      },
    },
    {
      // API and worker: Redis (feature store), PostgreSQL (decisions), MSK with IAM auth, AWS APIs.
      name: "serving-to-data-stores",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fraud-platform" } },
        policyTypes: ["Egress"],
        egress: [{ to: vpc, ports: [tcp(DATA_STORE_PORTS.redis), tcp(DATA_STORE_PORTS.postgres), tcp(DATA_STORE_PORTS.mskIam)] }, awsApis],
      },
    },
    defaultDeny(training),
    allowDns(training),
    {
      // The trainer reads PostgreSQL and writes S3; it has no business with Redis or Kafka.
      name: "trainer-to-data-stores",
      namespace: training,
      spec: {
        podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.trainer) },
        policyTypes: ["Egress"],
        egress: [{ to: vpc, ports: [tcp(DATA_STORE_PORTS.postgres)] }, awsApis],
      },
    },
    {
      // The comparison reads the decision log and writes its report to S3, as the trainer does.
      name: "challenger-compare-to-data-stores",
      namespace: training,
      spec: {
        podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.challengerCompare) },
        policyTypes: ["Egress"],
        egress: [{ to: vpc, ports: [tcp(DATA_STORE_PORTS.postgres)] }, awsApis],
      },
    },
    ...(i.driftRetrain
      ? [
          {
            // Prometheus' query API (which drift alerts fire), and the API server, whose endpoints are
            // the EKS control plane's network interfaces in the private subnets.
            name: "drift-retrain-to-prometheus-and-api-server",
            namespace: training,
            spec: {
              podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.driftRetrain) },
              policyTypes: ["Egress"],
              egress: [
                { to: [prometheusPods(i.monitoringNamespace)], ports: [tcp(PROMETHEUS_PORT)] },
                { to: i.privateSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(DATA_STORE_PORTS.https)] },
              ],
            },
          },
        ]
      : []),
    ...(i.ownsMonitoringNamespace ? monitoringPolicies(i, vpc) : []),
  ];
}

/**
 * The monitoring stack scrapes the whole cluster (kubelets, node-exporter, kube-state-metrics, our
 * pods: all VPC addresses under the VPC CNI), so it may talk to the VPC. It admits its own pods,
 * the client namespaces of the setting, and the control plane on the operator's admission webhook
 * port only; kubelet probes come from the node's own address, which the VPC CNI always admits. Its
 * UIs are reached with `kubectl port-forward`, not through a load balancer.
 */
function monitoringPolicies(i: NetworkPolicyInputs, vpc: { ipBlock: { cidr: string } }[]): NamedPolicy[] {
  const ns = i.monitoringNamespace;
  const clients = i.monitoringClients.filter((c) => c !== ns).map((c) => ({ namespaceSelector: nsSelector(c) }));
  return [
    defaultDeny(ns),
    allowDns(ns),
    {
      name: "monitoring-clients",
      namespace: ns,
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [
          { from: [{ podSelector: {} }, ...clients] },
          { from: i.privateSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(OPERATOR_WEBHOOK_PORT)] },
          ...(i.driftRetrain
            ? [
                {
                  from: [
                    {
                      namespaceSelector: nsSelector(NAMESPACES.training),
                      podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.driftRetrain) },
                    },
                  ],
                  ports: [tcp(PROMETHEUS_PORT)],
                },
              ]
            : []),
        ],
        egress: [{ to: [{ podSelector: {} }, ...vpc] }],
      },
    },
  ];
}

/**
 * Creates the policies. They are enforced only where the cluster runs a policy engine (on EKS:
 * the VPC CNI with network policy enabled); elsewhere they are accepted and ignored.
 */
export interface NetworkPoliciesArgs extends Omit<NetworkPolicyInputs, "s3Cidrs"> {
  /** S3's ranges: an output of the gateway endpoint. */
  readonly s3Cidrs: pulumi.Input<string[]>;
  /** The Namespace resources' names by namespace name, so each policy waits for its namespace. */
  readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
}

export class NetworkPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:NetworkPolicies", name, {}, opts);
    // Which policies exist does not depend on S3's ranges, only their specs do.
    const layout = networkPolicies({ ...args, s3Cidrs: [] });
    const specs = pulumi.output(args.s3Cidrs).apply((s3Cidrs) => networkPolicies({ ...args, s3Cidrs }).map((p) => p.spec));
    this.policies = layout.map(
      (p, idx) =>
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${p.namespace}-${p.name}`,
          {
            metadata: {
              name: p.name,
              namespace: args.namespaces[p.namespace] ?? p.namespace,
              labels: { "app.kubernetes.io/part-of": "fraud-platform", "app.kubernetes.io/managed-by": "pulumi" },
            },
            spec: specs.apply((all) => all[idx]),
          },
          { parent: this },
        ),
    );
    this.registerOutputs({});
  }
}
