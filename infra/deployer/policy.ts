import { policy, type PolicyDocument } from "../identity/documents";

/**
 * The regional services the program manages (infra/): the deployer may act on them in the
 * stack's region only. `pulumi up` creates, updates and deletes all of them, so the grant is per
 * service; what it does not list (other regions, IAM users, Organizations, billing...) stays out.
 */
export const DEPLOYER_REGIONAL_ACTIONS = [
  "ec2:*",
  "eks:*",
  "kafka:*",
  "elasticache:*",
  "rds:*",
  "s3:*",
  "kms:*",
  "secretsmanager:*",
  "ecr:*",
  "logs:*",
  "codebuild:*",
  "ssm:GetParameter",
  "ssm:GetParameters",
  "acm:DescribeCertificate",
  "acm:ListCertificates",
  "sts:GetCallerIdentity",
] as const;

export interface DeployerPolicyArgs {
  readonly partition: string;
  readonly accountId: string;
  readonly region: string;
  /** Other regions the program manages resources in (a replica). Default: none. */
  readonly additionalRegions?: readonly string[];
  /** The deployer's own role (fixed name): it may not change it. */
  readonly roleArn: string;
  readonly connectionArn: string;
}

/**
 * What the deploy job's `pulumi up` needs, as tightly as a program that creates IAM roles allows.
 * IAM is limited to roles, policies, instance profiles and OIDC providers of this account (no
 * users, groups or access keys) and it cannot touch its own role: widening the deployer's rights
 * takes an admin's `pulumi up`, not a commit. Creating roles and passing them remains
 * privilege-bearing: docs/deploy.md says so and suggests a permissions boundary for stricter setups.
 */
export function deployerPolicy(a: DeployerPolicyArgs): PolicyDocument {
  const iam = (kind: string) => `arn:${a.partition}:iam::${a.accountId}:${kind}/*`;
  return policy(
    {
      Sid: "PlatformServices",
      Effect: "Allow",
      Action: [...DEPLOYER_REGIONAL_ACTIONS],
      Resource: "*",
      Condition: {
        StringEquals: { "aws:RequestedRegion": a.additionalRegions?.length ? [a.region, ...a.additionalRegions] : a.region },
      },
    },
    {
      Sid: "PlatformRoles",
      Effect: "Allow",
      Action: [
        "iam:*Role*",
        "iam:*Policy*",
        "iam:*PolicyVersion*",
        "iam:*InstanceProfile*",
        "iam:*OpenIDConnectProvider*",
        "iam:PassRole",
        "iam:CreateServiceLinkedRole",
        "iam:Get*",
        "iam:List*",
        "iam:Tag*",
        "iam:Untag*",
      ],
      Resource: [iam("role"), iam("policy"), iam("instance-profile"), iam("oidc-provider")],
    },
    {
      Sid: "GitHubConnection",
      Effect: "Allow",
      Action: [
        "codeconnections:UseConnection",
        "codeconnections:GetConnection",
        "codeconnections:GetConnectionToken",
        "codestar-connections:UseConnection",
        "codestar-connections:GetConnection",
        "codestar-connections:GetConnectionToken",
      ],
      Resource: a.connectionArn,
    },
    {
      Sid: "NotItsOwnRole",
      Effect: "Deny",
      Action: ["iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Delete*", "iam:Update*", "iam:Create*"],
      Resource: a.roleArn,
    },
  );
}
