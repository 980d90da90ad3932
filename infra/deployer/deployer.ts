import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrust } from "../identity/documents";
import { deployerPolicy } from "./policy";

export interface DeployerArgs {
  /** `owner/name` of the GitHub repository whose workflows use the runner. */
  readonly githubRepository: string;
  /** AWS CodeConnections connection to GitHub (created and authorized once in the console). */
  readonly connectionArn: string;
  /** CodeBuild compute type of a deploy run. Default: `BUILD_GENERAL1_MEDIUM` (4 GiB, 2 vCPU). */
  readonly computeType?: "BUILD_GENERAL1_SMALL" | "BUILD_GENERAL1_MEDIUM" | "BUILD_GENERAL1_LARGE";
  /** A deploy run is stopped after this many minutes. Default: 120. */
  readonly timeoutMinutes?: number;
  /** CodeBuild project and role name: the workflow's `runs-on` label names the project. */
  readonly name: string;
  /** The VPC the runner starts in. */
  readonly vpcId: pulumi.Input<string>;
  /** The runner lives here: NAT egress (GitHub, Pulumi backend, registries), no public IP. */
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The EKS cluster `up` deploys to: the runner gets an access entry with cluster-admin. */
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    /** The EKS cluster security group: it fronts the private API endpoint. */
    readonly securityGroupId: pulumi.Input<string>;
  };
  /** Encrypts the runner's log group. */
  readonly logsKeyArn: pulumi.Input<string>;
  /** Retention of the runner's log group, in days. */
  readonly logRetentionDays: number;
  /** Regions besides the stack's where the program also manages resources (the model registry's replica). Default: none. */
  readonly additionalRegions?: readonly string[];
}

/** The defaults of `DeployerArgs`. */
export const DEPLOYER_DEFAULTS = { computeType: "BUILD_GENERAL1_MEDIUM", timeoutMinutes: 120 } as const satisfies Partial<DeployerArgs>;

/** AWS's standard CodeBuild image: Docker (privileged mode) and Node; setup-node installs Node 24. */
const RUNNER_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

/**
 * The deploy job's runner: a CodeBuild project registered as a GitHub Actions self-hosted runner
 * (webhook on queued workflow jobs), started per job inside the VPC's private subnets, so the
 * stack's `pulumi up` reaches the private EKS endpoint. It has its own security group (egress
 * only; the cluster admits it on 443), a role scoped to what `up` manages (policy.ts) and an EKS
 * access entry with cluster-admin. Docker runs in privileged mode: `up` builds the images.
 */
export class Deployer extends pulumi.ComponentResource {
  readonly projectName: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;

  constructor(name: string, args: DeployerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:deployer:Deployer", name, {}, opts);
    const parent = { parent: this };
    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const region = aws.getRegionOutput({}, parent).region;

    const sg = new aws.ec2.SecurityGroup(
      `${name}-runner`,
      { vpcId: args.vpcId, description: "Deploy runner (CodeBuild): egress only" },
      parent,
    );
    // HTTPS to GitHub, the Pulumi backend, AWS APIs, registries and the EKS endpoint; HTTP for the
    // Debian mirror the trainer image installs XGBoost from.
    for (const port of [443, 80]) {
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-runner-out-${port}`,
        {
          securityGroupId: sg.id,
          ipProtocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrIpv4: "0.0.0.0/0",
          description: `runner egress ${port}`,
        },
        parent,
      );
    }
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-runner-to-eks`,
      {
        securityGroupId: args.cluster.securityGroupId,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        referencedSecurityGroupId: sg.id,
        description: "deploy runner to the EKS API",
      },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-role`,
      {
        name: args.name,
        assumeRolePolicy: identity.accountId.apply((account) => JSON.stringify(serviceTrust("codebuild.amazonaws.com", account))),
      },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-up`,
      {
        role: role.name,
        policy: pulumi.all([partition, identity.accountId, region, role.arn]).apply(([p, accountId, r, roleArn]) =>
          JSON.stringify(
            deployerPolicy({
              partition: p,
              accountId,
              region: r,
              additionalRegions: args.additionalRegions,
              roleArn,
              connectionArn: args.connectionArn,
            }),
          ),
        ),
      },
      parent,
    );

    const logs = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { name: `/aws/codebuild/${args.name}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn },
      parent,
    );
    const project = new aws.codebuild.Project(
      `${name}-project`,
      {
        name: args.name,
        description: "GitHub Actions runner of the deploy job (pulumi up from inside the VPC)",
        serviceRole: role.arn,
        buildTimeout: args.timeoutMinutes ?? DEPLOYER_DEFAULTS.timeoutMinutes,
        artifacts: { type: "NO_ARTIFACTS" },
        source: {
          type: "GITHUB",
          location: `https://github.com/${args.githubRepository}.git`,
          auth: { type: "CODECONNECTIONS", resource: args.connectionArn },
        },
        environment: {
          type: "LINUX_CONTAINER",
          computeType: args.computeType ?? DEPLOYER_DEFAULTS.computeType,
          image: RUNNER_IMAGE,
          imagePullCredentialsType: "CODEBUILD",
          privilegedMode: true,
        },
        vpcConfig: { vpcId: args.vpcId, subnets: args.privateSubnetIds, securityGroupIds: [sg.id] },
        logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: logs.name }, s3Logs: { status: "DISABLED" } },
      },
      parent,
    );
    // Every queued workflow job of the repository reaches CodeBuild; CodeBuild starts a runner only
    // for jobs whose `runs-on` label names this project.
    new aws.codebuild.Webhook(
      `${name}-webhook`,
      { projectName: project.name, buildType: "BUILD", filterGroups: [{ filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }] },
      parent,
    );

    const entry = new aws.eks.AccessEntry(
      `${name}-access`,
      { clusterName: args.cluster.name, principalArn: role.arn, type: "STANDARD" },
      parent,
    );
    new aws.eks.AccessPolicyAssociation(
      `${name}-admin`,
      {
        clusterName: args.cluster.name,
        principalArn: role.arn,
        policyArn: pulumi.interpolate`arn:${partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
      },
      { parent: this, dependsOn: [entry] },
    );

    this.projectName = project.name;
    this.roleArn = role.arn;
    this.securityGroupId = sg.id;
    this.registerOutputs({ projectName: this.projectName, roleArn: this.roleArn });
  }
}
