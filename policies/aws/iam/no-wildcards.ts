/**
 * IAM identity policies name their actions and resources: no `*` in an action, no `*` resource and
 * no `*` account in an ARN, except for the reviewed read-only or tag-conditioned actions that AWS
 * cannot scope to a resource and the deploy runner's reviewed, confined provisioning grants.
 * @severity high · @topics iam, least-privilege · @frameworks CIS AWS 1.16, PCI DSS 7.2
 */
import type { ResourceRule } from "../../lib/policy";

interface Allowed {
  /** Actions matched by this entry. */
  readonly actions: RegExp;
  /** A condition key the statement must carry for the `*` resource to be acceptable. */
  readonly requiresCondition?: RegExp;
  /** Why it was allowed (the review). */
  readonly why: string;
}

/**
 * The reviewed allow-list of actions granted on `Resource: "*"`. Every entry is an action that
 * IAM cannot scope by resource ARN (Describe/List/Get calls; creation calls whose resource does not
 * exist yet), and the mutating ones only with the condition that confines them.
 */
export const STAR_RESOURCE_ALLOW_LIST: readonly Allowed[] = [
  { actions: /^ec2:(Describe[A-Za-z]+|GetCoipPoolUsage|GetSecurityGroupsForVpc)$/, why: "EC2 reads support no resource-level permissions" },
  { actions: /^elasticloadbalancing:Describe[A-Za-z]+$/, why: "ELB reads support no resource-level permissions" },
  { actions: /^acm:(ListCertificates|DescribeCertificate)$/, why: "the load balancer controller discovers certificates" },
  {
    actions: /^xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)$/,
    why: "X-Ray writes and sampling reads support no resource-level permissions (the trace collector)",
  },
  { actions: /^iam:CreateServiceLinkedRole$/, requiresCondition: /^iam:AWSServiceName$/, why: "only the named service's linked role" },
  {
    actions: /^elasticloadbalancing:(CreateLoadBalancer|CreateTargetGroup)$/,
    requiresCondition: /^aws:RequestTag\//,
    why: "created only with the cluster's tag",
  },
];

interface Confined {
  /** Wildcard actions matched by this entry. */
  readonly actions: RegExp;
  /** What confines them in the statement. */
  readonly confined: (s: Statement) => boolean;
  readonly why: string;
}

/**
 * The deploy runner's reviewed grants (infra/deployer/policy.ts): its `pulumi up` creates, changes
 * and deletes every resource of these services, which no list of named actions keeps up with.
 * They pass only as confined there: the regional services to the stack's region, IAM to this
 * account's roles, policies, instance profiles and OIDC providers (never users, groups or keys).
 * docs/security.md says what the deployer can still do with them.
 */
export const PROVISIONING_ALLOW_LIST: readonly Confined[] = [
  {
    actions: /^(ec2|eks|kafka|elasticache|rds|s3|kms|secretsmanager|ecr|logs|codebuild):\*$|^ssm:GetParameters?$|^sts:GetCallerIdentity$/,
    confined: (s) => conditionKeys(s).includes("aws:RequestedRegion"),
    why: "the services the platform consists of, in the stack's region only",
  },
  {
    actions: /^iam:(\*Role\*|\*Policy\*|\*PolicyVersion\*|\*InstanceProfile\*|\*OpenIDConnectProvider\*|Get\*|List\*|Tag\*|Untag\*)$/,
    confined: (s) => {
      const resources = asList(s.Resource).map(String);
      return (
        resources.length > 0 && resources.every((r) => /^arn:[^:]+:iam::\d{12}:(role|policy|instance-profile|oidc-provider)\//.test(r))
      );
    },
    why: "the workloads' roles and the cluster's OIDC provider, in this account",
  },
];

const provisioned = (s: Statement, action: string): boolean => PROVISIONING_ALLOW_LIST.some((e) => e.actions.test(action) && e.confined(s));

export const IAM_POLICY_TYPES = [
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/policy:Policy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
] as const;

type Statement = Record<string, unknown>;
const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function parse(policy: unknown): Statement[] | string {
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return "the policy is not valid JSON.";
    }
  }
  const statements = asList((doc as { Statement?: unknown } | null)?.Statement);
  return statements.filter((s): s is Statement => s !== null && typeof s === "object");
}

const conditionKeys = (s: Statement): string[] =>
  Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap((byKey) => Object.keys(byKey ?? {}));

/** Problems of one policy document (exported for direct tests). */
export function wildcardProblems(policy: unknown): string[] {
  const statements = parse(policy);
  if (typeof statements === "string") return [statements];
  const problems: string[] = [];
  statements.forEach((s, i) => {
    if (s.Effect !== "Allow") return;
    const label = `statement ${typeof s.Sid === "string" ? s.Sid : i}`;
    if (s.NotAction !== undefined || s.NotResource !== undefined)
      problems.push(`${label} uses NotAction/NotResource: it grants everything it does not list.`);
    const actions = asList(s.Action).map(String);
    const wildActions = actions.filter((a) => a.includes("*") && !provisioned(s, a));
    if (wildActions.length) problems.push(`${label} allows wildcard actions ${wildActions.join(", ")}.`);
    const resources = asList(s.Resource).map(String);
    const anyAccount = resources.filter((r) => /^arn:[^:]*:[^:]*:[^:]*:\*:/.test(r));
    if (anyAccount.length) problems.push(`${label} names resources of any account: ${anyAccount.join(", ")}.`);
    if (resources.includes("*")) {
      const keys = conditionKeys(s);
      const unreviewed = actions.filter(
        (a) =>
          !provisioned(s, a) &&
          !STAR_RESOURCE_ALLOW_LIST.some(
            (e) => e.actions.test(a) && (!e.requiresCondition || keys.some((k) => e.requiresCondition!.test(k))),
          ),
      );
      if (unreviewed.length) problems.push(`${label} allows ${unreviewed.join(", ")} on every resource ("*").`);
    }
  });
  return problems;
}

export const iamNoWildcards: ResourceRule = {
  name: "aws-iam-no-wildcards",
  description: "IAM policies grant named actions on named resources; `*` only for the reviewed actions that cannot be scoped.",
  remediation:
    "list the actions one by one and name the resource ARNs (with the stack's account id); if an action truly cannot be scoped, review it and add it to STAR_RESOURCE_ALLOW_LIST in policies/aws/iam/no-wildcards.ts.",
  severity: "high",
  types: IAM_POLICY_TYPES,
  check: (p) => wildcardProblems(p.policy),
};
