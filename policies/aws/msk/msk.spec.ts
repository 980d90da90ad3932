import { describe, it } from "vitest";
import { mskCluster } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";

describe("aws msk rules", () => {
  it("pass a compliant cluster", () => expectClean(mskCluster()));
  it("pass with the AWS transit defaults (block omitted)", () =>
    expectClean(mutate(mskCluster(), "encryptionInfo.encryptionInTransit", undefined)));
  it("count an unknown key ARN as set", () => expectClean(mutate(mskCluster(), "encryptionInfo.encryptionAtRestKmsKeyArn", UNKNOWN)));
  it.each([
    ["aws-msk-encryption-at-rest", "encryptionInfo.encryptionAtRestKmsKeyArn", undefined],
    ["aws-msk-encryption-in-transit", "encryptionInfo.encryptionInTransit.clientBroker", "TLS_PLAINTEXT"],
    ["aws-msk-encryption-in-transit", "encryptionInfo.encryptionInTransit.inCluster", false],
    ["aws-msk-client-authentication", "clientAuthentication.unauthenticated", true],
    ["aws-msk-client-authentication", "clientAuthentication.sasl.iam", false],
    ["aws-msk-client-authentication", "clientAuthentication", undefined],
  ])("%s catches %s = %s", (policy, path, value) => expectOnly(mutate(mskCluster(), path, value), policy));
});
