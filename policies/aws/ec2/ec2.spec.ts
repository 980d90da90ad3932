import { describe, it } from "vitest";
import { dataSecurityGroup, launchTemplate, loadBalancerIngressRule } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";

describe("aws ec2 rules", () => {
  it("pass a compliant launch template, data security group and a rule open to the callers' range only", async () => {
    await expectClean(launchTemplate());
    await expectClean(dataSecurityGroup());
    await expectClean(mutate(loadBalancerIngressRule(), "cidrIpv4", "198.51.100.0/24"));
  });

  it.each([
    ["metadataOptions.httpTokens", "optional"],
    ["metadataOptions.httpTokens", undefined],
    ["metadataOptions", undefined],
  ])("aws-ec2-imdsv2 catches %s = %s", (path, value) => expectOnly(mutate(launchTemplate(), path, value), "aws-ec2-imdsv2"));

  it.each([
    ["ingress.0.cidrBlocks", ["0.0.0.0/0"]],
    ["ingress.0.ipv6CidrBlocks", ["::/0"]],
  ])("aws-ec2-no-open-ingress catches a data security group with %s = %s", (path, value) =>
    expectOnly(mutate(dataSecurityGroup(), path, value), "aws-ec2-no-open-ingress"),
  );

  it("exempts no group by its name or description: a rule called alb-https open to the internet is caught", async () => {
    await expectOnly(loadBalancerIngressRule(), "aws-ec2-no-open-ingress");
    await expectOnly(mutate(mutate(loadBalancerIngressRule(), "cidrIpv4", undefined), "cidrIpv6", "::/0"), "aws-ec2-no-open-ingress");
    await expectOnly(mutate(mutate(loadBalancerIngressRule(), "fromPort", 80), "toPort", 80), "aws-ec2-no-open-ingress");
    await expectOnly(
      {
        type: "aws:ec2/securityGroup:SecurityGroup",
        name: "public-lb",
        inputs: {
          description: "load balancer",
          tags: { Role: "alb" },
          ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
        },
      },
      "aws-ec2-no-open-ingress",
    );
  });

  it("the legacy SecurityGroupRule is covered", () =>
    expectOnly(
      {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name: "ssh",
        inputs: { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"], securityGroupId: "sg-1" },
      },
      "aws-ec2-no-open-ingress",
    ));

  it("a CIDR unknown in preview is not an open one", () => expectClean(mutate(dataSecurityGroup(), "ingress.0.cidrBlocks", [UNKNOWN])));
});
