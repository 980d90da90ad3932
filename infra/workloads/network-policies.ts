import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PORTS } from "../../app/src/config/deploy-contract";
import { NAMESPACES, WORKLOAD_NAMES, selectorOf } from "./names";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** Ports the workloads open to the data stores. */
export const DATA_STORE_PORTS = { redis: 6379, postgres: 5432, mskIam: 9098, https: 443 } as const;

export interface NetworkPolicyInputs {
  /** The VPC's CIDR: load balancer nodes, kubelets and the data stores all live inside it. */
  readonly vpcCidr: string;
  /** Namespace of Prometheus, the only scraper allowed on the metrics port. */
  readonly monitoringNamespace: string;
  /** True when the program creates the monitoring namespace (kube-prometheus-stack installed): it gets policies too. */
  readonly ownsMonitoringNamespace: boolean;
}

export interface NamedPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly spec: PolicySpec;
}

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });
const tcp = (port: number | string) => ({ protocol: "TCP", port });

function defaultDeny(namespace: string): NamedPolicy {
  return { name: "default-deny", namespace, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };
}

function allowDns(namespace: string): NamedPolicy {
  return {
    name: "allow-dns",
    namespace,
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [{
        to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
      }],
    },
  };
}

/**
 * HTTPS to AWS APIs. Interface endpoints (STS, Secrets Manager, ECR) answer inside the VPC, but the
 * S3 gateway endpoint is reached at S3's public addresses (the route table steers them), and a
 * NetworkPolicy cannot name a prefix list: so 443 is open to any address, and only 443.
 */
const awsApis = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(DATA_STORE_PORTS.https)] };

/**
 * Every NetworkPolicy of the workloads, as plain data (tested without mocks). Each namespace
 * starts from deny-all in both directions; each rule below opens one documented path.
 */
export function networkPolicies(i: NetworkPolicyInputs): NamedPolicy[] {
  const vpc = [{ ipBlock: { cidr: i.vpcCidr } }];
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
      spec: { podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.api) }, policyTypes: ["Ingress"], ingress: [{ from: vpc, ports: [tcp(PORTS.http)] }] },
    },
    {
      name: "worker-from-kubelet",
      namespace: serving,
      spec: { podSelector: { matchLabels: selectorOf(WORKLOAD_NAMES.worker) }, policyTypes: ["Ingress"], ingress: [{ from: vpc, ports: [tcp(PORTS.http)] }] },
    },
    {
      name: "metrics-from-prometheus",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fraud-platform" } },
        policyTypes: ["Ingress"],
        ingress: [{
          from: [{ namespaceSelector: nsSelector(i.monitoringNamespace), podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
          ports: [tcp(PORTS.metrics)],
        }],
      },
    },
    {
      // API and worker: Redis (feature store), PostgreSQL (decisions), MSK with IAM auth, AWS APIs.
      name: "serving-to-data-stores",
      namespace: serving,
      spec: {
        podSelector: { matchLabels: { "app.kubernetes.io/part-of": "fraud-platform" } },
        policyTypes: ["Egress"],
        egress: [
          { to: vpc, ports: [tcp(DATA_STORE_PORTS.redis), tcp(DATA_STORE_PORTS.postgres), tcp(DATA_STORE_PORTS.mskIam)] },
          awsApis,
        ],
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
    ...(i.ownsMonitoringNamespace ? monitoringPolicies(i.monitoringNamespace, vpc) : []),
  ];
}

/**
 * The monitoring stack scrapes the whole cluster (kubelets, node-exporter, kube-state-metrics, our
 * pods: all VPC addresses under the VPC CNI) and is called by the control plane (the operator's
 * admission webhook) and the kubelets (probes): so it may talk to and be reached from the VPC, and
 * nothing outside it. Its UIs are reached with `kubectl port-forward`, not through a load balancer.
 */
function monitoringPolicies(ns: string, vpc: { ipBlock: { cidr: string } }[]): NamedPolicy[] {
  return [
    defaultDeny(ns),
    allowDns(ns),
    {
      name: "monitoring-within-vpc",
      namespace: ns,
      spec: {
        podSelector: {},
        policyTypes: ["Ingress", "Egress"],
        ingress: [{ from: [{ podSelector: {} }, ...vpc] }],
        egress: [{ to: [{ podSelector: {} }, ...vpc] }],
      },
    },
  ];
}

/**
 * Creates the policies. They are enforced only where the cluster runs a policy engine (on EKS:
 * the VPC CNI with network policy enabled); elsewhere they are accepted and ignored.
 */
export interface NetworkPoliciesArgs extends NetworkPolicyInputs {
  /** The Namespace resources' names by namespace name, so each policy waits for its namespace. */
  readonly namespaces: Readonly<Record<string, pulumi.Input<string>>>;
}

export class NetworkPolicies extends pulumi.ComponentResource {
  readonly policies: k8s.networking.v1.NetworkPolicy[];

  constructor(name: string, args: NetworkPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:NetworkPolicies", name, {}, opts);
    this.policies = networkPolicies(args).map((p) => new k8s.networking.v1.NetworkPolicy(`${name}-${p.namespace}-${p.name}`, {
      metadata: { name: p.name, namespace: args.namespaces[p.namespace] ?? p.namespace, labels: { "app.kubernetes.io/part-of": "fraud-platform", "app.kubernetes.io/managed-by": "pulumi" } },
      spec: p.spec,
    }, { parent: this }));
    this.registerOutputs({});
  }
}
