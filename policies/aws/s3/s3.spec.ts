import { describe, expect, it } from "vitest";
import { analyzeStack, type EngineResource } from "../../test/analyzer";
import { bucketSet, foreignPublicAccessBlock, KEY_ARN } from "../../test/fixtures/aws";
import { expectClean, expectOnly } from "../../test/expect";
import { mutate } from "../../test/fixtures/mutate";
import { UNKNOWN } from "../../lib/values";
import { deniesInsecureTransport } from "./tls-only";

const without = (set: EngineResource[], type: string) => set.filter((r) => !r.type.includes(type));
const replace = (set: EngineResource[], type: string, f: (r: EngineResource) => EngineResource) =>
  set.map((r) => (r.type.includes(type) ? f(r) : r));
const verdicts = async (set: EngineResource[], stack = "prod") =>
  (await analyzeStack(set, stack)).map((d) => [d.policy, d.level, d.urn.split("::").pop()]);

describe("aws s3 stack rules", () => {
  it("pass a bucket with SSE-KMS, a full public access block and a TLS-only policy", async () => {
    expect(await analyzeStack(bucketSet())).toEqual([]);
  });

  it.each([
    ["aws-s3-bucket-sse-kms", "bucketServerSideEncryptionConfiguration"],
    ["aws-s3-public-access-block", "bucketPublicAccessBlock"],
    ["aws-s3-tls-only", "bucketPolicy"],
  ])("%s flags the bucket when its %s is missing, in every stack", async (policy, type) => {
    for (const stack of ["prod", "dev"])
      expect(await verdicts(without(bucketSet(), type), stack)).toEqual([[policy, "mandatory", "models"]]);
  });

  it.each([
    [
      "aws-s3-bucket-sse-kms",
      "bucketServerSideEncryptionConfiguration",
      "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm",
      "AES256",
    ],
    [
      "aws-s3-bucket-sse-kms",
      "bucketServerSideEncryptionConfiguration",
      "rules.0.applyServerSideEncryptionByDefault.kmsMasterKeyId",
      undefined,
    ],
    [
      "aws-s3-tls-only",
      "bucketPolicy",
      "policy",
      JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject" }] }),
    ],
  ])("%s flags a %s with %s = %s", async (policy, type, path, value) => {
    const msgs = await analyzeStack(replace(bucketSet(), type, (r) => mutate(r, path, value)));
    expect(msgs.map((d) => [d.policy, d.level])).toEqual([[policy, "mandatory"]]);
    expect(msgs[0]!.message).toMatch(/Remediation: /);
  });

  it("a companion belonging to another bucket does not count", async () => {
    const set = replace(bucketSet(), "bucketPublicAccessBlock", (r) => mutate(r, "bucket", "someone-elses-bucket"));
    expect(await verdicts(set)).toEqual([["aws-s3-public-access-block", "mandatory", "models"]]);
  });

  it("in preview, references resolve through property dependencies, and unknown ones never misfire", async () => {
    const preview = bucketSet().map((r) =>
      r.type === "aws:s3/bucket:Bucket"
        ? { ...r, inputs: { bucket: UNKNOWN, id: UNKNOWN, arn: UNKNOWN } }
        : {
            ...r,
            inputs: { ...r.inputs, bucket: UNKNOWN, ...(r.inputs.policy ? { policy: UNKNOWN } : {}) },
            propertyDependencies: { bucket: ["models"] },
          },
    );
    expect(await analyzeStack(preview)).toEqual([]);
    // Dependencies still tell a bad companion: an SSE config that is known not to use KMS.
    const bad = replace(preview, "bucketServerSideEncryptionConfiguration", (r) =>
      mutate(r, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm", "AES256"),
    );
    expect(await verdicts(bad)).toEqual([["aws-s3-bucket-sse-kms", "mandatory", "models"]]);
    // And with no dependency information at all, unknown references are left for `pulumi up`.
    expect(await analyzeStack(preview.map((r) => ({ ...r, propertyDependencies: undefined })))).toEqual([]);
  });

  it("the deprecated inline SSE-KMS block counts; the AES256 default that AWS reports there does not", async () => {
    const inline = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN } } };
    const set = without(bucketSet(), "bucketServerSideEncryptionConfiguration");
    expect(await verdicts(replace(set, "s3/bucket:", (r) => mutate(r, "serverSideEncryptionConfiguration", inline)))).toEqual([]);
    const aes = { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } };
    expect(await verdicts(replace(set, "s3/bucket:", (r) => mutate(r, "serverSideEncryptionConfiguration", aes)))).toEqual([
      ["aws-s3-bucket-sse-kms", "mandatory", "models"],
    ]);
  });

  it("recognises the TLS-only statement in its usual spellings", () => {
    const st = (over: object) => ({
      Statement: [
        { Effect: "Deny", Principal: { AWS: "*" }, Action: ["s3:*"], Condition: { Bool: { "aws:SecureTransport": false } }, ...over },
      ],
    });
    expect(deniesInsecureTransport(JSON.stringify(st({})))).toBe(true);
    expect(deniesInsecureTransport(st({ Principal: "*", Action: "*" }))).toBe(true);
    expect(deniesInsecureTransport(st({ Effect: "Allow" }))).toBe(false);
    expect(deniesInsecureTransport(st({ Action: "s3:PutObject" }))).toBe(false);
    expect(deniesInsecureTransport(st({ Principal: { AWS: "arn:aws:iam::1:root" } }))).toBe(false);
    expect(deniesInsecureTransport(st({ Condition: { Bool: { "aws:SecureTransport": "true" } } }))).toBe(false);
    expect(deniesInsecureTransport("not json")).toBe(false);
  });
});

describe("aws s3 resource rules", () => {
  it("pass a public access block with the four flags on, even for a bucket outside the program", async () => {
    await expectClean(foreignPublicAccessBlock());
    await expectClean(bucketSet().find((r) => r.type.includes("bucketPublicAccessBlock"))!);
  });

  it.each(["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])(
    "aws-s3-public-access-block-settings catches %s false or absent",
    async (flag) => {
      await expectOnly(
        mutate(foreignPublicAccessBlock(), flag, false),
        "aws-s3-public-access-block-settings",
        new RegExp(`${flag} is not true`),
      );
      await expectOnly(mutate(foreignPublicAccessBlock(), flag, undefined), "aws-s3-public-access-block-settings");
    },
  );

  it("a flag unknown in preview is not reported", () => expectClean(mutate(foreignPublicAccessBlock(), "blockPublicAcls", UNKNOWN)));

  it("the stack rule only asks that a block exists: a weak block is reported once, by the resource rule", async () => {
    const weak = bucketSet().map((r) => (r.type.includes("bucketPublicAccessBlock") ? mutate(r, "restrictPublicBuckets", false) : r));
    expect(await analyzeStack(weak)).toEqual([]);
  });
});
