/**
 * IAM and resource policy documents as plain data, built by pure functions from resolved ARNs.
 * Components wrap them in `pulumi.all([...]).apply(...)`; tests call them directly, so every
 * grant's scope is asserted without mocks (documents.test.ts).
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: Record<string, string | string[]> | "*";
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: Statement[];
}

export function policy(...statements: Statement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** Trust policy for a role assumed by an AWS service, limited to our account (confused deputy). */
export function serviceTrust(service: string, accountId: string): PolicyDocument {
  return policy({
    Effect: "Allow",
    Principal: { Service: service },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });
}

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * IRSA trust policy: only the listed Kubernetes service accounts of this cluster's OIDC issuer
 * may assume the role, and only with the STS audience.
 * @param oidcProviderArn `arn:aws:iam::<account>:oidc-provider/oidc.eks.<region>.amazonaws.com/id/<ID>`
 * @param oidcIssuer the issuer without `https://` (`oidc.eks.<region>.amazonaws.com/id/<ID>`)
 */
export function irsaTrustPolicy(
  oidcProviderArn: string,
  oidcIssuer: string,
  serviceAccounts: readonly ServiceAccountRef[],
): PolicyDocument {
  if (serviceAccounts.length === 0) throw new Error("an IRSA role needs at least one service account");
  const issuer = oidcIssuer.replace(/^https:\/\//, "");
  if (!oidcProviderArn.endsWith(`:oidc-provider/${issuer}`)) {
    throw new Error(`OIDC provider ${oidcProviderArn} does not belong to issuer ${issuer}`);
  }
  const subjects = serviceAccounts.map((sa) => `system:serviceaccount:${sa.namespace}:${sa.name}`);
  return policy({
    Effect: "Allow",
    Principal: { Federated: oidcProviderArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: {
      StringEquals: {
        [`${issuer}:sub`]: subjects.length === 1 ? subjects[0] : subjects,
        [`${issuer}:aud`]: "sts.amazonaws.com",
      },
    },
  });
}

/** Key policy of the key that encrypts CloudWatch log groups (the logs service needs a grant in the key policy itself). */
export function logsKeyPolicy(accountId: string, region: string, partition = "aws"): PolicyDocument {
  return policy(
    {
      Sid: "AccountAdministersTheKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "CloudWatchLogsOfThisAccount",
      Effect: "Allow",
      Principal: { Service: `logs.${region}.amazonaws.com` },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Resource: "*",
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${partition}:logs:${region}:${accountId}:log-group:*` } },
    },
  );
}

/** Lets VPC Flow Logs write to exactly one log group. */
export function flowLogsWritePolicy(logGroupArn: string): PolicyDocument {
  return policy({
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
    Resource: [logGroupArn, `${logGroupArn}:*`],
  });
}

/** Denies any request to the bucket that is not over TLS (aws:SecureTransport false). */
export function tlsOnlyBucketPolicy(bucketArn: string): PolicyDocument {
  return policy({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  });
}
