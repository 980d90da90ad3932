import { policy, type PolicyDocument } from "../identity/documents";

/**
 * Fluent Bit's grant: write streams of the one container log group. It never creates groups (the
 * program does, with retention and encryption) nor changes retention.
 */
export function logShipperPolicy(logGroupArn: string): PolicyDocument {
  const group = logGroupArn.replace(/:\*$/, "");
  return policy({
    Sid: "WriteContainerLogs",
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    Resource: [group, `${group}:log-stream:*`],
  });
}

/**
 * The collector's X-Ray grant: send segments and telemetry, read sampling rules. X-Ray supports no
 * resource-level permissions, so the resource is `*` (allow-listed in the policy pack's IAM rule).
 */
export function xrayWritePolicy(): PolicyDocument {
  return policy({
    Sid: "SendTraces",
    Effect: "Allow",
    Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
    Resource: "*",
  });
}
