import { describe, it } from "vitest";
import { UNKNOWN } from "../../lib/values";
import { redis } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";

describe("aws elasticache rules", () => {
  it("pass a compliant replication group", () => expectClean(redis()));
  it.each([
    ["aws-elasticache-encryption-at-rest", "atRestEncryptionEnabled", false],
    ["aws-elasticache-encryption-at-rest", "kmsKeyId", undefined],
    ["aws-elasticache-encryption-in-transit", "transitEncryptionEnabled", undefined],
    ["aws-elasticache-encryption-in-transit", "transitEncryptionMode", "preferred"],
    ["aws-elasticache-redis-auth", "authToken", undefined],
    ["aws-elasticache-redis-auth", "authToken", ""],
  ])("%s catches %s = %s", (policy, path, value) => expectOnly(mutate(redis(), path, value), policy));

  it("RBAC user groups count as AUTH, and an unknown token is set", async () => {
    await expectClean(mutate(mutate(redis(), "authToken", undefined), "userGroupIds", ["fraud-users"]));
    await expectClean(mutate(redis(), "authToken", UNKNOWN));
  });
});
