import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IrsaRole } from "../identity/irsa-role";
import { loadBalancerControllerPolicy } from "./lb-controller-policy";
import { SERVICE_ACCOUNTS } from "./names";

export const EKS_CHARTS_REPO = "https://aws.github.io/eks-charts";

export interface LoadBalancerControllerArgs {
  /** The EKS cluster the controller serves. */
  readonly clusterName: pulumi.Input<string>;
  /** Its VPC: the controller creates target groups and security group rules there. */
  readonly vpcId: pulumi.Input<string>;
  /** AWS region of the cluster (the controller gets no instance metadata: IMDS hop limit 1). */
  readonly region: pulumi.Input<string>;
  /** The nodes' security group, the one untagged group the controller may open to its load balancers. */
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  /** The cluster's IAM OIDC provider, for the controller's IRSA role. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** Its issuer without `https://`. */
  readonly oidcIssuer: pulumi.Input<string>;
  /** eks-charts `aws-load-balancer-controller` chart version. */
  readonly chartVersion: string;
}

/**
 * Helm values: two replicas spread over nodes (the controller's webhooks gate pod and ingress
 * creation), the IRSA-annotated service account, and the WAF/Shield integrations off, which is
 * what lets the IAM policy leave their permissions out.
 */
export function loadBalancerControllerValues(i: {
  clusterName: string;
  vpcId: string;
  region: string;
  roleArn: string;
}): Record<string, unknown> {
  return {
    clusterName: i.clusterName,
    region: i.region,
    vpcId: i.vpcId,
    replicaCount: 2,
    serviceAccount: {
      create: true,
      name: SERVICE_ACCOUNTS.loadBalancerController.name,
      annotations: { "eks.amazonaws.com/role-arn": i.roleArn, "eks.amazonaws.com/sts-regional-endpoints": "true" },
    },
    enableShield: false,
    enableWaf: false,
    enableWafv2: false,
    podDisruptionBudget: { maxUnavailable: 1 },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "app.kubernetes.io/name": "aws-load-balancer-controller" } },
      },
    ],
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    defaultTargetType: "ip",
  };
}

/**
 * The AWS Load Balancer Controller: turns our Ingress into an ALB. Installed with Helm, with its
 * own IRSA role whose policy is scoped to this cluster's tag, account, region and VPC.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
  readonly role: IrsaRole;
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:LoadBalancerController", name, {}, opts);
    const sa = SERVICE_ACCOUNTS.loadBalancerController;
    // The policy's ARNs name the real partition and account, never `*`.
    const partition = aws.getPartitionOutput({}, { parent: this }).partition;
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;

    this.role = new IrsaRole(
      `${name}-irsa`,
      {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuer: args.oidcIssuer,
        serviceAccounts: [sa],
        policy: pulumi
          .all([args.clusterName, args.vpcId, args.region, partition, accountId, args.nodeSecurityGroupId])
          .apply(([clusterName, vpcId, region, p, account, nodeSg]) =>
            loadBalancerControllerPolicy({ partition: p, region, accountId: account, clusterName, vpcId, nodeSecurityGroupId: nodeSg }),
          ),
        description: "AWS Load Balancer Controller: manage this cluster's ALBs",
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-release`,
      {
        name: "aws-load-balancer-controller",
        namespace: sa.namespace,
        chart: "aws-load-balancer-controller",
        version: args.chartVersion,
        repositoryOpts: { repo: EKS_CHARTS_REPO },
        // roleArn resolves once the policy is attached, so the controller never starts powerless.
        values: pulumi
          .all([args.clusterName, args.vpcId, args.region, this.role.roleArn])
          .apply(([clusterName, vpcId, region, roleArn]) => loadBalancerControllerValues({ clusterName, vpcId, region, roleArn })),
        // Wait for the webhook to be ready: Ingresses and pods created before it would be rejected or miss the readiness gate.
        skipAwait: false,
        atomic: true,
      },
      { parent: this },
    );

    this.registerOutputs({ roleArn: this.role.roleArn });
  }
}
