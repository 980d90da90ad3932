import { describe, expect, it } from "vitest";
import { analyzeResource, mandatory, policiesOf } from "../../test/analyzer";
import { awsEksCluster, eksCluster, managedNodeGroup } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";

describe("aws eks rules", () => {
  it("pass a compliant @pulumi/eks cluster, aws.eks.Cluster and managed node group", async () => {
    await expectClean(eksCluster());
    await expectClean(awsEksCluster());
    await expectClean(managedNodeGroup());
  });
  it("count an unknown key ARN as set", () => expectClean(mutate(eksCluster(), "encryptionConfigKeyArn", UNKNOWN)));

  it.each([
    ["aws-eks-secrets-encryption", "encryptionConfigKeyArn", undefined],
    ["aws-eks-private-endpoint", "endpointPublicAccess", undefined],
    ["aws-eks-private-endpoint", "endpointPrivateAccess", false],
    ["aws-eks-control-plane-logging", "enabledClusterLogTypes", ["api"]],
    ["aws-eks-node-imdsv2", "skipDefaultNodeGroup", false],
  ])("eks.Cluster: %s catches %s = %s", (policy, path, value) => expectOnly(mutate(eksCluster(), path, value), policy));

  it("accept the default node group when it asks for IMDSv2", () =>
    expectClean(mutate(mutate(eksCluster(), "skipDefaultNodeGroup", undefined), "nodeGroupOptions.enableIMDSv2", true)));

  it.each([
    ["aws-eks-secrets-encryption", "encryptionConfig.resources", []],
    ["aws-eks-secrets-encryption", "encryptionConfig", undefined],
    ["aws-eks-private-endpoint", "vpcConfig.endpointPublicAccess", true],
    ["aws-eks-control-plane-logging", "enabledClusterLogTypes", undefined],
  ])("aws.eks.Cluster: %s catches %s = %s", (policy, path, value) => expectOnly(mutate(awsEksCluster(), path, value), policy));

  it("managed node groups need a launch template or enableIMDSv2", async () => {
    const bare = mutate(managedNodeGroup(), "launchTemplate", undefined);
    await expectOnly(bare, "aws-eks-node-imdsv2");
    await expectClean(mutate(bare, "enableIMDSv2", true));
  });

  it("a dev cluster with a public endpoint and no logs gets advisories only", async () => {
    const dev = mutate(mutate(eksCluster(), "endpointPublicAccess", true), "enabledClusterLogTypes", undefined);
    const ds = await analyzeResource(dev, "dev");
    expect(mandatory(ds)).toEqual([]);
    expect(policiesOf(ds)).toEqual(["aws-eks-control-plane-logging", "aws-eks-private-endpoint"]);
  });
});
