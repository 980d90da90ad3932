/**
 * The deploy runner (CodeBuild as a GitHub Actions runner in the stack's VPC) and the first `up`
 * of a stack (workloads.enabled=false), on what would be sent to AWS; the role's policy as data.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { byType, byUrn, one, runStack, stackConfig, type StackRun } from "../testing/harness";
import { deployerName } from "../naming";
import { deployerPolicy } from "./policy";

const runs: Record<string, StackRun> = {};
beforeAll(async () => {
  runs.prod = await runStack("prod");
  const workloads = JSON.parse(stackConfig("prod").config["fraud-platform:workloads"]!);
  runs.first = await runStack("prod", {
    configOverrides: { "fraud-platform:workloads": JSON.stringify({ ...workloads, enabled: false }) },
  });
}, 90_000);

const PROJECT = "aws:codebuild/project:Project";

describe("deploy runner", () => {
  it("is a CodeBuild project named as the workflow's runs-on label, in the private subnets, with its own security group", () => {
    const run = runs.prod!;
    const project = one(run, PROJECT);
    expect(project.inputs.name).toBe(deployerName("fraud-platform", "prod"));
    const subnets = byType(run, "aws:ec2/subnet:Subnet");
    const privateIds = subnets.filter((s) => /-private-\d$/.test(s.name)).map((s) => s.id);
    expect(privateIds).toHaveLength(3);
    expect([...project.inputs.vpcConfig.subnets].sort()).toEqual([...privateIds].sort());
    const sg = one(run, "aws:ec2/securityGroup:SecurityGroup", "deployer-runner");
    expect(project.inputs.vpcConfig).toMatchObject({ vpcId: one(run, "aws:ec2/vpc:Vpc").id, securityGroupIds: [sg.id] });
    // egress only; the EKS cluster group admits it on 443 (the private API endpoint)
    expect(
      byType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === sg.id),
    ).toEqual([]);
    const egress = byType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === sg.id);
    expect(egress.map((r) => r.inputs.fromPort).sort()).toEqual([443, 80]);
    const toEks = one(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "deployer-runner-to-eks");
    const eks = one(run, "eks:index:Cluster");
    expect(toEks.inputs).toMatchObject({
      securityGroupId: eks.state.eksCluster.vpcConfig.clusterSecurityGroupId,
      referencedSecurityGroupId: sg.id,
      fromPort: 443,
      toPort: 443,
    });
    expect(eks.inputs.endpointPublicAccess).toBe(false); // prod's endpoint stays private
  });

  it("runs jobs of the configured repository through the CodeConnections connection, with Docker for the image builds", () => {
    const run = runs.prod!;
    const project = one(run, PROJECT);
    expect(project.inputs.source).toEqual({
      type: "GITHUB",
      location: "https://github.com/example-org/fraud-platform.git",
      auth: { type: "CODECONNECTIONS", resource: expect.stringMatching(/^arn:aws:codeconnections:/) },
    });
    expect(project.inputs.environment).toMatchObject({ type: "LINUX_CONTAINER", privilegedMode: true });
    expect(one(run, "aws:codebuild/webhook:Webhook").inputs.filterGroups).toEqual([
      { filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] },
    ]);
    const logs = one(run, "aws:cloudwatch/logGroup:LogGroup", "deployer-logs");
    expect(logs.inputs).toMatchObject({
      name: `/aws/codebuild/${project.inputs.name}`,
      retentionInDays: 365,
      kmsKeyId: one(run, "aws:kms/key:Key", "keys-logs").state.arn,
    });
    expect(byUrn(run, project.parent)?.type).toBe("fraud-platform:deployer:Deployer");
  });

  it("runs as its own role, trusted by CodeBuild of this account only, admin on the cluster through an access entry", () => {
    const run = runs.prod!;
    const role = one(run, "aws:iam/role:Role", "deployer-role");
    expect(role.inputs.name).toBe("fraud-platform-prod-deployer");
    expect(one(run, PROJECT).inputs.serviceRole).toBe(role.state.arn);
    const trust = JSON.parse(role.inputs.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "codebuild.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
      },
    ]);
    const inline = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "deployer-up").inputs.policy);
    expect(inline.Statement.find((s: { Sid: string }) => s.Sid === "NotItsOwnRole").Resource).toBe(role.state.arn);
    const entry = one(run, "aws:eks/accessEntry:AccessEntry", "deployer-access");
    const clusterName = one(run, "eks:index:Cluster").state.eksCluster.name;
    expect(entry.inputs).toMatchObject({ clusterName, principalArn: role.state.arn, type: "STANDARD" });
    expect(one(run, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").inputs).toMatchObject({
      clusterName,
      principalArn: role.state.arn,
      policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
      accessScope: { type: "cluster" },
    });
  });
});

describe("deployer policy", () => {
  const doc = deployerPolicy({
    partition: "aws",
    accountId: "123456789012",
    region: "us-east-1",
    roleArn: "arn:aws:iam::123456789012:role/fraud-platform-prod-deployer",
    connectionArn: "arn:aws:codeconnections:us-east-1:123456789012:connection/x",
  });
  const sid = (id: string) => doc.Statement.find((s) => s.Sid === id)!;

  it("acts on the platform's services in the stack's region only", () => {
    expect(sid("PlatformServices").Condition).toEqual({ StringEquals: { "aws:RequestedRegion": "us-east-1" } });
    expect(sid("PlatformServices").Action).toEqual(expect.arrayContaining(["eks:*", "ec2:*", "ecr:*", "kms:*", "s3:*"]));
    expect(doc.Statement.flatMap((s) => [s.Action].flat()).filter((a) => a === "*" || a === "iam:*")).toEqual([]);
  });

  it("manages roles, policies and OIDC providers of this account, never users, groups or keys, and not its own role", () => {
    const resources = [sid("PlatformRoles").Resource].flat();
    expect(resources.every((r) => /^arn:aws:iam::123456789012:(role|policy|instance-profile|oidc-provider)\/\*$/.test(r!))).toBe(true);
    expect(sid("NotItsOwnRole")).toMatchObject({ Effect: "Deny", Resource: "arn:aws:iam::123456789012:role/fraud-platform-prod-deployer" });
    expect(sid("NotItsOwnRole").Action).toEqual(expect.arrayContaining(["iam:Put*", "iam:Attach*"]));
    expect(sid("GitHubConnection").Resource).toBe("arn:aws:codeconnections:us-east-1:123456789012:connection/x");
  });
});

describe("a stack's first up (workloads.enabled=false)", () => {
  it("creates network, cluster, data stores and the deployer; nothing on the cluster and no image", () => {
    const run = runs.first!;
    expect(run.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type.startsWith("docker-build:"))).toEqual([]);
    for (const t of [
      "eks:index:Cluster",
      "aws:rds/instance:Instance",
      "aws:msk/cluster:Cluster",
      PROJECT,
      "aws:eks/accessEntry:AccessEntry",
    ])
      expect(byType(run, t), t).toHaveLength(1);
    expect(byType(run, "aws:ecr/repository:Repository")).toHaveLength(2);
    expect(run.outputs.deployerProject).toBe("fraud-platform-prod-deployer");
    expect(run.outputs).not.toHaveProperty("apiUrl");
    expect(run.outputs).not.toHaveProperty("apiImage");
  });
});
