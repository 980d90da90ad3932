import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logsKeyPolicy } from "../identity/documents";

/**
 * Why several keys rather than one: a KMS grant is all-or-nothing per key. The API's IRSA role
 * needs kms:Decrypt on the model bucket's key; with a single key that grant would also decrypt
 * database snapshots, Kafka volumes and Kubernetes secrets. One key per trust boundary keeps
 * every IAM grant as narrow as the data it guards, and lets the logs key carry the service
 * grant CloudWatch Logs requires without widening the others. The cost is $1/key/month.
 */
export const KEY_PURPOSES = {
  /** Envelope encryption of Kubernetes secrets in etcd. */
  eks: "EKS secrets envelope encryption",
  /** MSK, ElastiCache and RDS storage, RDS Performance Insights. */
  data: "data stores at rest (MSK, ElastiCache, RDS, Performance Insights)",
  /** The model registry bucket and ECR images. */
  objects: "model registry objects and container images",
  /** Secrets Manager entries (app secrets and the RDS-managed master password). */
  secrets: "Secrets Manager secrets",
  /** CloudWatch log groups (flow logs, MSK broker logs, EKS control plane). */
  logs: "CloudWatch Logs",
} as const;

export type KeyPurpose = keyof typeof KEY_PURPOSES;

export interface KeysArgs {
  /** Alias prefix, e.g. `fraud-platform-prod` gives `alias/fraud-platform-prod/data`. */
  readonly aliasPrefix: string;
  /** Days a deleted key waits before it is destroyed (7-30). Default: 30, the safest. */
  readonly deletionWindowDays?: number;
}

/** Customer-managed KMS keys, one per purpose, all with yearly automatic rotation. */
export class Keys extends pulumi.ComponentResource {
  readonly arns: Record<KeyPurpose, pulumi.Output<string>>;

  constructor(name: string, args: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:keys:Keys", name, {}, opts);
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const region = aws.getRegionOutput({}, { parent: this });
    const partition = aws.getPartitionOutput({}, { parent: this });

    const arns = {} as Record<KeyPurpose, pulumi.Output<string>>;
    for (const purpose of Object.keys(KEY_PURPOSES) as KeyPurpose[]) {
      const key = new aws.kms.Key(
        `${name}-${purpose}`,
        {
          description: `fraud-platform: ${KEY_PURPOSES[purpose]}`,
          enableKeyRotation: true,
          deletionWindowInDays: args.deletionWindowDays ?? 30,
          // Without an explicit policy KMS applies the default one (the account administers the key
          // through IAM), which is what every purpose except logs needs.
          policy:
            purpose === "logs"
              ? pulumi
                  .all([identity.accountId, region.region, partition.partition])
                  .apply(([account, r, p]) => JSON.stringify(logsKeyPolicy(account, r, p)))
              : undefined,
        },
        { parent: this },
      );
      new aws.kms.Alias(`${name}-${purpose}`, { name: `alias/${args.aliasPrefix}/${purpose}`, targetKeyId: key.keyId }, { parent: this });
      arns[purpose] = key.arn;
    }
    this.arns = arns;
    this.registerOutputs({ arns });
  }
}
