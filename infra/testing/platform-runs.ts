/**
 * Both stacks run under mocks, with the resource types and lookups the platform tests share. The
 * beforeAll registers on the test file that imports this (vitest evaluates it once per file).
 */
import { beforeAll } from "vitest";
import { byUrn, one, runStack, type RecordedResource, type StackRun } from "./harness";

const runs: Partial<Record<"dev" | "prod", StackRun>> = {};
beforeAll(async () => {
  runs.dev = await runStack("dev");
  runs.prod = await runStack("prod");
}, 60_000);
export const dev = () => runs.dev!;
export const prod = () => runs.prod!;
export const both = () => [dev(), prod()];

export const T = {
  db: "aws:rds/instance:Instance",
  redis: "aws:elasticache/replicationGroup:ReplicationGroup",
  msk: "aws:msk/cluster:Cluster",
  key: "aws:kms/key:Key",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  secret: "aws:secretsmanager/secret:Secret",
  eks: "eks:index:Cluster",
} as const;

/** The state (with mocked outputs) of the resource whose URN is the parent of `r`. */
export const parentOf = (run: StackRun, r: RecordedResource) => byUrn(run, r.parent);
export const keyArn = (run: StackRun, purpose: string) => one(run, T.key, `keys-${purpose}`).state.arn as string;
