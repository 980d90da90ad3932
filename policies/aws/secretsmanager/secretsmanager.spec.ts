import { describe, it } from "vitest";
import { secret } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";

describe("aws secretsmanager rules", () => {
  it("pass a secret with our key, known or pending", async () => {
    await expectClean(secret());
    await expectClean(mutate(secret(), "kmsKeyId", UNKNOWN));
  });
  it("aws-secretsmanager-kms catches a secret without kmsKeyId", () =>
    expectOnly(mutate(secret(), "kmsKeyId", undefined), "aws-secretsmanager-kms"));
});
