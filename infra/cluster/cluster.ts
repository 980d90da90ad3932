import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { amiType, endpointAccess, NODE_ROLE_POLICIES, CONTROL_PLANE_LOG_TYPES } from "./decisions";

/** The managed node group the workloads run on. */
export interface NodeGroupArgs {
  /** EC2 instance types, all of `architecture` (Graviton types for arm64). */
  readonly instanceTypes: readonly string[];
  /** Default: `ON_DEMAND`. `SPOT` is cheaper and can be reclaimed at two minutes' notice. */
  readonly capacityType?: "ON_DEMAND" | "SPOT";
  /** CPU architecture of the nodes (selects the AL2023 AMI). Default: `x86_64`. */
  readonly architecture?: "x86_64" | "arm64";
  /** Floor of the group (the cluster autoscaler never goes below it). */
  readonly minSize: number;
  /** Nodes at creation; afterwards the cluster autoscaler owns the count. */
  readonly desiredSize: number;
  /** Ceiling of the group. */
  readonly maxSize: number;
  /** Encrypted gp3 root volume of each node, in GiB. Default: 50. */
  readonly diskGiB?: number;
}

/** The defaults of `NodeGroupArgs`. */
export const NODE_GROUP_DEFAULTS = {
  capacityType: "ON_DEMAND",
  architecture: "x86_64",
  diskGiB: 50,
} as const satisfies Partial<NodeGroupArgs>;

export interface ClusterArgs {
  /** The EKS cluster name (fixed: CI and kubectl refer to it). */
  readonly clusterName: string;
  /** EKS Kubernetes version (`1.33`). */
  readonly kubernetesVersion: string;
  /** The VPC of the cluster and its nodes. */
  readonly vpcId: pulumi.Input<string>;
  /** Nodes and the control plane's ENIs live here. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** Public API endpoint, restricted to `publicAccessCidrs`. Default: false (private only). */
  readonly endpointPublicAccess?: boolean;
  /** Networks allowed to reach the public endpoint. Default: none. */
  readonly publicAccessCidrs?: readonly string[];
  /** IAM roles granted cluster-admin through access entries. Default: none. */
  readonly adminRoleArns?: readonly string[];
  /** The workload node group. */
  readonly nodes: NodeGroupArgs;
  /** Envelope encryption of Kubernetes secrets. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /** Encrypts the control-plane log group. */
  readonly logsKeyArn: pulumi.Input<string>;
  /** Retention of the control-plane log group, in days. */
  readonly logRetentionDays: number;
}

/**
 * EKS via @pulumi/eks with API-mode access entries, KMS envelope encryption, every control-plane
 * log type, an OIDC provider for IRSA, and one managed node group on AL2023 whose launch
 * template requires IMDSv2 with a hop limit of 1 (pods cannot reach the node role's credentials:
 * they get their own through IRSA).
 */
export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  /** Provider-ready kubeconfig (JSON), secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  /** The issuer without `https://`. */
  readonly oidcIssuer: pulumi.Output<string>;
  /** Our workload node group: data stores admit members of this group only. */
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  /** The EKS-created cluster security group (control plane and nodes). */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly nodeRoleArn: pulumi.Output<string>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:cluster:Cluster", name, {}, opts);
    const parent = { parent: this };
    const d = NODE_GROUP_DEFAULTS;
    const nodes = {
      ...args.nodes,
      capacityType: args.nodes.capacityType ?? d.capacityType,
      architecture: args.nodes.architecture ?? d.architecture,
      diskGiB: args.nodes.diskGiB ?? d.diskGiB,
    };
    const access = endpointAccess(args.endpointPublicAccess ?? false, args.publicAccessCidrs ?? []);

    // EKS writes to this fixed name; creating it first lets us set retention and encryption.
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      { name: `/aws/eks/${args.clusterName}/cluster`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn },
      parent,
    );

    const cluster = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        ...access,
        enabledClusterLogTypes: [...CONTROL_PLANE_LOG_TYPES],
        encryptionConfigKeyArn: args.secretsKeyArn,
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries: Object.fromEntries(
          (args.adminRoleArns ?? []).map((arn, i) => [
            `admin-${i}`,
            {
              principalArn: arn,
              accessPolicies: {
                admin: {
                  policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                  accessScope: { type: "cluster" },
                },
              },
            },
          ]),
        ),
        createOidcProvider: true,
        // Nodes come from the managed node group below, which carries its own launch template.
        skipDefaultNodeGroup: true,
        skipDefaultSecurityGroups: true,
        nodeAssociatePublicIpAddress: false,
        // Enforce the workloads' NetworkPolicies (VPC CNI network policy agent); without it they are inert.
        vpcCniOptions: { enableNetworkPolicy: true },
      },
      { parent: this, dependsOn: [logGroup] },
    );

    // No rules on purpose: membership is the credential the data stores' security groups check.
    // Node-to-node and control-plane traffic flows through the EKS cluster security group.
    const nodeSg = new aws.ec2.SecurityGroup(
      `${name}-workload-nodes`,
      { vpcId: args.vpcId, description: "EKS workload nodes: admitted by data stores" },
      parent,
    );

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      {
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      },
      parent,
    );
    const attachments = NODE_ROLE_POLICIES.map(
      (policy) =>
        new aws.iam.RolePolicyAttachment(
          `${name}-node-${policy.split("/").pop()}`,
          {
            role: nodeRole.name,
            policyArn: pulumi.interpolate`arn:${aws.getPartitionOutput({}, parent).partition}:iam::aws:policy/${policy}`,
          },
          parent,
        ),
    );

    const clusterSgId = cluster.eksCluster.vpcConfig.clusterSecurityGroupId;
    const template = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: "EKS workload nodes: IMDSv2 only, encrypted gp3 root volume",
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: { volumeSize: nodes.diskGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
          },
        ],
        // Naming security groups here replaces the default, so the cluster group is listed explicitly.
        vpcSecurityGroupIds: [clusterSgId, nodeSg.id],
        updateDefaultVersion: true,
        tagSpecifications: [{ resourceType: "instance", tags: { Name: `${args.clusterName}-node` } }],
      },
      parent,
    );
    new aws.eks.NodeGroup(
      `${name}-nodes`,
      {
        clusterName: cluster.eksCluster.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: args.privateSubnetIds,
        amiType: amiType(nodes.architecture),
        instanceTypes: [...nodes.instanceTypes],
        capacityType: nodes.capacityType,
        scalingConfig: { minSize: nodes.minSize, desiredSize: nodes.desiredSize, maxSize: nodes.maxSize },
        updateConfig: { maxUnavailable: 1 },
        launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
        labels: { "fraud-platform/pool": "workloads" },
      },
      // desiredSize belongs to the cluster autoscaler once running; min/max stay ours.
      { parent: this, dependsOn: attachments, ignoreChanges: ["scalingConfig.desiredSize"] },
    );

    this.clusterName = cluster.eksCluster.name;
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.oidcProviderArn = cluster.oidcProviderArn;
    this.oidcIssuer = cluster.oidcIssuer;
    this.nodeSecurityGroupId = nodeSg.id;
    this.clusterSecurityGroupId = clusterSgId;
    this.nodeRoleArn = nodeRole.arn;
    this.registerOutputs({
      clusterName: this.clusterName,
      oidcProviderArn: this.oidcProviderArn,
      nodeSecurityGroupId: this.nodeSecurityGroupId,
    });
  }
}
