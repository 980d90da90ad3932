/**
 * Launch templates and instances require IMDSv2 session tokens.
 * @severity high · @topics credentials, instance-metadata · @frameworks CIS AWS 5.6
 */
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const ec2Imdsv2: ResourceRule = {
  name: "aws-ec2-imdsv2",
  description: 'Launch templates and EC2 instances require IMDSv2 (metadataOptions.httpTokens "required").',
  remediation:
    'set metadataOptions { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } (hop limit 1 keeps pods off the node\'s metadata).',
  severity: "high",
  types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
  check: (p) => {
    const m = obj(p.metadataOptions);
    if (m.httpEndpoint === "disabled") return [];
    return m.httpTokens === "required"
      ? []
      : [`metadataOptions.httpTokens is ${m.httpTokens === undefined ? "not set (IMDSv1 allowed)" : String(m.httpTokens)}.`];
  },
};
