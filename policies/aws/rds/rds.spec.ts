import { describe, expect, it } from "vitest";
import { analyzeResource, mandatory, policiesOf } from "../../test/analyzer";
import { rdsInstance } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";

describe("aws rds rules", () => {
  it("pass a compliant instance", () => expectClean(rdsInstance()));

  it.each([
    ["aws-rds-storage-encrypted", "storageEncrypted", false],
    ["aws-rds-storage-encrypted", "storageEncrypted", undefined],
    ["aws-rds-storage-encrypted", "kmsKeyId", undefined],
    ["aws-rds-not-public", "publiclyAccessible", true],
    ["aws-rds-multi-az", "multiAz", false],
    ["aws-rds-deletion-protection", "deletionProtection", undefined],
    ["aws-rds-deletion-protection", "skipFinalSnapshot", true],
    ["aws-rds-backup-retention", "backupRetentionPeriod", 1],
    ["aws-rds-backup-retention", "backupRetentionPeriod", undefined],
  ])("%s catches %s = %s", async (policy, path, value) => {
    await expectOnly(mutate(rdsInstance(), path, value), policy, path);
  });

  it("production rules are advisory outside strict stacks, baseline rules stay mandatory", async () => {
    const bad = mutate(mutate(mutate(rdsInstance(), "multiAz", false), "backupRetentionPeriod", 1), "publiclyAccessible", true);
    const ds = await analyzeResource(bad, "dev");
    expect(policiesOf(mandatory(ds))).toEqual(["aws-rds-not-public"]);
    const advisory = ds.filter((d) => d.level === "advisory");
    expect(policiesOf(advisory)).toEqual(["aws-rds-backup-retention", "aws-rds-multi-az"]);
    expect(advisory[0]!.message).toMatch(/Remediation: .*advisory: this stack is not in the rule's strictStacks/s);
  });

  it("a KMS key that is unknown in preview counts as set", () => expectClean(mutate(rdsInstance(), "kmsKeyId", UNKNOWN)));

  it("an unknown flag gives the engine's can't-run-in-preview advisory, not a violation", async () => {
    const ds = await analyzeResource(mutate(rdsInstance(), "publiclyAccessible", UNKNOWN));
    expect(mandatory(ds)).toEqual([]);
    expect(ds.map((d) => [d.policy, d.level])).toEqual([["aws-rds-not-public", "advisory"]]);
    expect(ds[0]!.message).toMatch(/can't run .* during preview/);
  });
});
