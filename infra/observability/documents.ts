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
