import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { allowDns, defaultDeny, type NamedPolicy } from "../workloads/network-policies";
import { privilegedNamespace } from "../workloads/namespaces";
import { OBSERVABILITY_NAMESPACES, OBSERVABILITY_SERVICE_ACCOUNTS } from "./names";

export const EKS_CHARTS_REPO = "https://aws.github.io/eks-charts";
/** Fluent Bit's health and metrics port (`HTTP_Server` in the chart's service section). */
export const FLUENT_BIT_HTTP_PORT = 2020;

export interface LogShipperArgs {
  /** The region of the log group. */
  readonly region: pulumi.Input<string>;
  /** The stack's container log group (created by `LogStore`, with retention and encryption). */
  readonly logGroupName: pulumi.Input<string>;
  /** Fluent Bit's IRSA role (`LogStore.shipperRoleArn`). */
  readonly roleArn: pulumi.Input<string>;
  /** Private subnets: the EKS API's network interfaces and the CloudWatch Logs interface endpoint. */
  readonly privateSubnetCidrs: readonly string[];
  /** Helm chart version of aws-for-fluent-bit (eks-charts). Default: 0.2.1. */
  readonly chartVersion?: string;
}

/** The defaults of `LogShipperArgs`. */
export const LOG_SHIPPER_DEFAULTS = { chartVersion: "0.2.1" } as const satisfies Partial<LogShipperArgs>;

/**
 * aws-for-fluent-bit values: tail every container's log on every node, merge each JSON line's
 * fields at the top level of the event (no `data.` prefix: the saved queries name fields as the app
 * writes them) and drop the raw copy, and ship it all to the one log group, one stream per
 * container. The chart's older `cloudWatch` Go plugin is off; groups are never created by the shipper.
 */
export function fluentBitValues(a: { region: string; logGroupName: string; roleArn: string }): Record<string, unknown> {
  const sa = OBSERVABILITY_SERVICE_ACCOUNTS.logShipper;
  return {
    serviceAccount: {
      create: true,
      name: sa.name,
      annotations: { "eks.amazonaws.com/role-arn": a.roleArn, "eks.amazonaws.com/sts-regional-endpoints": "true" },
    },
    filter: { mergeLog: "On", mergeLogKey: "", keepLog: "Off", k8sLoggingParser: "On", k8sLoggingExclude: "On" },
    cloudWatch: { enabled: false },
    cloudWatchLogs: {
      enabled: true,
      match: "kube.*",
      region: a.region,
      logGroupName: a.logGroupName,
      logGroupTemplate: "",
      logStreamTemplate: "$kubernetes['namespace_name'].$kubernetes['pod_name'].$kubernetes['container_name']",
      autoCreateGroup: false,
    },
    firehose: { enabled: false },
    kinesis: { enabled: false },
    elasticsearch: { enabled: false },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
    // On every node, tainted or not: a node whose logs are not shipped is a blind spot.
    tolerations: [{ operator: "Exists" }],
    priorityClassName: "system-node-critical",
  };
}

/**
 * The logging namespace's network policies: closed, then DNS, and HTTPS to the private subnets only
 * (the Kubernetes API's interfaces, for pod metadata, and the CloudWatch Logs and STS interface
 * endpoints). Nothing connects to Fluent Bit; the kubelet's probes come from the node.
 */
export function logShipperPolicies(privateSubnetCidrs: readonly string[]): NamedPolicy[] {
  if (privateSubnetCidrs.length === 0) throw new Error("log shipper: no private subnet to allow HTTPS to");
  const ns = OBSERVABILITY_NAMESPACES.logging;
  return [
    defaultDeny(ns),
    allowDns(ns),
    {
      name: "fluent-bit-to-aws-and-kubernetes-api",
      namespace: ns,
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [{ to: privateSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] }],
      },
    },
  ];
}

/** Fluent Bit as a DaemonSet (the aws-for-fluent-bit chart) in its own namespace, with IRSA and its network policies. */
export class LogShipper extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: LogShipperArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:observability:LogShipper", name, {}, opts);
    const labels = { "app.kubernetes.io/part-of": "fraud-platform", "app.kubernetes.io/managed-by": "pulumi" };
    // Fluent Bit reads the node's /var/log (hostPath) as root: not possible under `baseline`.
    const ns = privilegedNamespace(`${name}-namespace`, OBSERVABILITY_NAMESPACES.logging, { parent: this });
    const policies = logShipperPolicies(args.privateSubnetCidrs).map(
      (p) =>
        new k8s.networking.v1.NetworkPolicy(
          `${name}-${p.name}`,
          { metadata: { name: p.name, namespace: ns.metadata.name, labels }, spec: p.spec },
          { parent: this },
        ),
    );
    this.release = new k8s.helm.v3.Release(
      `${name}-fluent-bit`,
      {
        name: "aws-for-fluent-bit",
        namespace: ns.metadata.name,
        chart: "aws-for-fluent-bit",
        version: args.chartVersion ?? LOG_SHIPPER_DEFAULTS.chartVersion,
        repositoryOpts: { repo: EKS_CHARTS_REPO },
        values: pulumi
          .all([args.region, args.logGroupName, args.roleArn])
          .apply(([region, logGroupName, roleArn]) => fluentBitValues({ region, logGroupName, roleArn })),
      },
      // The policies first, so the DaemonSet's first pods reach the API server and CloudWatch Logs at once.
      { parent: this, dependsOn: policies },
    );
    this.registerOutputs({});
  }
}
