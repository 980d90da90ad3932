import { describe, expect, it } from "vitest";
import { rolePolicy } from "../../test/fixtures/aws";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";
import { analyzeResource, mandatory, type EngineResource } from "../../test/analyzer";
import { wildcardProblems } from "./no-wildcards";

const withStatement = (extra: Record<string, unknown>): EngineResource => {
  const r = rolePolicy();
  const doc = JSON.parse(r.inputs.policy as string);
  return {
    ...r,
    inputs: { ...r.inputs, policy: JSON.stringify({ ...doc, Statement: [...doc.Statement, { Sid: "Extra", Effect: "Allow", ...extra }] }) },
  };
};

describe("aws iam rules", () => {
  it("pass named grants, reviewed reads on *, a tag-conditioned create on *, and any Deny", () => expectClean(rolePolicy()));

  it.each([
    ["a wildcard action", { Action: "s3:*", Resource: "arn:aws:s3:::b/*" }, /wildcard actions s3:\*/],
    ["the full wildcard", { Action: "*", Resource: "*" }, /wildcard actions \*/],
    ["a write on every resource", { Action: "secretsmanager:GetSecretValue", Resource: "*" }, /GetSecretValue on every resource/],
    [
      "any account in an ARN",
      { Action: "ec2:AuthorizeSecurityGroupIngress", Resource: "arn:aws:ec2:eu-west-1:*:security-group/*" },
      /any account/,
    ],
    [
      "a reviewed create without its condition",
      { Action: "elasticloadbalancing:CreateLoadBalancer", Resource: "*" },
      /CreateLoadBalancer on every resource/,
    ],
    ["NotAction", { NotAction: "iam:*", Resource: "arn:aws:s3:::b" }, /NotAction/],
  ])("aws-iam-no-wildcards catches %s", (_, statement, message) => expectOnly(withStatement(statement), "aws-iam-no-wildcards", message));

  it("admits the deploy runner's provisioning grants only as confined as infra/deployer/policy.ts writes them", () => {
    const region = { Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } } };
    const roles = ["arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:oidc-provider/*"];
    expect(
      wildcardProblems({ Statement: [{ Effect: "Allow", Action: ["ec2:*", "eks:*", "sts:GetCallerIdentity"], Resource: "*", ...region }] }),
    ).toEqual([]);
    expect(wildcardProblems({ Statement: [{ Effect: "Allow", Action: ["iam:*Role*", "iam:Get*"], Resource: roles }] })).toEqual([]);
    // without the region, on another account's or every IAM resource, or a service the platform is not made of
    expect(wildcardProblems({ Statement: [{ Sid: "A", Effect: "Allow", Action: "ec2:*", Resource: "*" }] })).toEqual([
      "statement A allows wildcard actions ec2:*.",
      'statement A allows ec2:* on every resource ("*").',
    ]);
    expect(wildcardProblems({ Statement: [{ Sid: "B", Effect: "Allow", Action: "iam:*Role*", Resource: "*" }] })[0]).toBe(
      "statement B allows wildcard actions iam:*Role*.",
    );
    expect(
      wildcardProblems({ Statement: [{ Sid: "C", Effect: "Allow", Action: "iam:*Role*", Resource: "arn:aws:iam::*:role/*" }] }),
    ).toContain("statement C allows wildcard actions iam:*Role*.");
    expect(
      wildcardProblems({
        Statement: [{ Sid: "D", Effect: "Allow", Action: ["iam:*User*", "organizations:*"], Resource: "*", ...region }],
      })[0],
    ).toBe("statement D allows wildcard actions iam:*User*, organizations:*.");
  });

  it("covers managed policies and reads objects as well as JSON", async () => {
    await expectOnly(
      {
        type: "aws:iam/policy:Policy",
        name: "admin",
        inputs: { policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }) },
      },
      "aws-iam-no-wildcards",
    );
    expect(wildcardProblems({ Statement: { Effect: "Allow", Action: "kms:Decrypt", Resource: "*" } })).toEqual([
      'statement 0 allows kms:Decrypt on every resource ("*").',
    ]);
    expect(wildcardProblems("not json")).toEqual(["the policy is not valid JSON."]);
  });

  it("leaves a policy unknown in preview to `pulumi up`", async () => {
    expect(mandatory(await analyzeResource({ ...rolePolicy(), inputs: { role: "r", policy: UNKNOWN } }))).toEqual([]);
  });
});
