import { describe, it } from "vitest";
import { ecrRepository } from "../../test/fixtures/aws";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";

describe("aws ecr rules", () => {
  it("pass a compliant repository", () => expectClean(ecrRepository()));
  it.each([
    ["aws-ecr-scan-on-push", "imageScanningConfiguration.scanOnPush", false],
    ["aws-ecr-scan-on-push", "imageScanningConfiguration", undefined],
    ["aws-ecr-immutable-tags", "imageTagMutability", "MUTABLE"],
    ["aws-ecr-immutable-tags", "imageTagMutability", undefined],
  ])("%s catches %s = %s", (policy, path, value) => expectOnly(mutate(ecrRepository(), path, value), policy));
});
