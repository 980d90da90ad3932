/**
 * ECR scans every pushed image for known vulnerabilities.
 * @severity medium · @topics supply-chain, vulnerabilities
 */
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const ecrScanOnPush: ResourceRule = {
  name: "aws-ecr-scan-on-push",
  description: "ECR repositories scan images on push.",
  remediation: "set imageScanningConfiguration: { scanOnPush: true }.",
  severity: "medium",
  types: ["aws:ecr/repository:Repository"],
  check: (p) => (obj(p.imageScanningConfiguration).scanOnPush === true ? [] : ["imageScanningConfiguration.scanOnPush is not true."]),
};
