import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tlsOnlyBucketPolicy } from "../identity/documents";
import { replicationPolicy, replicationTrust } from "./replication-policy";

export interface ModelBucketArgs {
  /** Encrypts the stored objects (SSE-KMS). */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days a replaced or deleted model version is kept before it expires. Default: 90. */
  readonly noncurrentVersionDays?: number;
  /**
   * Replicate every object version to a bucket of the same shape (versioned, SSE-KMS with its own
   * key, private, TLS-only) in this region: the registry survives the loss of the bucket or of its
   * region. Default: none (no replica).
   */
  readonly replicaRegion?: string;
}

/** The defaults of `ModelBucketArgs`. */
export const MODEL_BUCKET_DEFAULTS = { noncurrentVersionDays: 90 } as const satisfies Partial<ModelBucketArgs>;

/**
 * The model registry: versioned S3 with SSE-KMS (bucket keys on, so KMS calls stay cheap), all
 * public access blocked, ACLs disabled, non-TLS requests denied, old versions expired, and
 * optionally replicated to another region.
 */
export class ModelBucket extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  /** The replica's bucket name, when `replicaRegion` is set. */
  readonly replicaBucketName?: pulumi.Output<string>;

  constructor(name: string, args: ModelBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:storage:ModelBucket", name, {}, opts);
    const parent = { parent: this };
    // Auto-named: bucket names are global, and a suffix keeps two stacks (or accounts) from colliding.
    const bucket = new aws.s3.Bucket(`${name}`, { forceDestroy: false }, parent);
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const block = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-sse`,
      {
        bucket: bucket.id,
        rules: [
          { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true },
        ],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucket.id,
        rules: [
          {
            id: "expire-old-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays ?? MODEL_BUCKET_DEFAULTS.noncurrentVersionDays },
          },
          { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
        ],
      },
      { parent: this, dependsOn: [versioning] },
    );
    // After the public access block, so S3 never sees a policy on a bucket that could be public.
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      { bucket: bucket.id, policy: bucket.arn.apply((arn) => JSON.stringify(tlsOnlyBucketPolicy(arn))) },
      { parent: this, dependsOn: [block] },
    );

    if (args.replicaRegion !== undefined) {
      const replica = this.replicate(name, args, bucket, versioning, args.replicaRegion);
      this.replicaBucketName = replica.bucketName;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, replicaBucketName: this.replicaBucketName });
  }

  /** The replica bucket (same component, no replica of its own), its key, the role S3 replicates as, and the rule. */
  private replicate(
    name: string,
    args: ModelBucketArgs,
    source: aws.s3.Bucket,
    versioning: aws.s3.BucketVersioning,
    region: string,
  ): ModelBucket {
    const provider = new aws.Provider(`${name}-replica-region`, { region: region as aws.Region }, { parent: this });
    const inRegion = { parent: this, provider };
    const key = new aws.kms.Key(
      `${name}-replica`,
      { description: "fraud-platform: model registry replica", enableKeyRotation: true, deletionWindowInDays: 30 },
      inRegion,
    );
    const replica = new ModelBucket(
      `${name}-replica`,
      { kmsKeyArn: key.arn, noncurrentVersionDays: args.noncurrentVersionDays },
      { parent: this, providers: [provider] },
    );
    const identity = aws.getCallerIdentityOutput({}, { parent: this });
    const sourceRegion = aws.getRegionOutput({}, { parent: this }).region;
    const role = new aws.iam.Role(
      `${name}-replication`,
      {
        description: "S3 replication of the model registry to its replica",
        assumeRolePolicy: identity.accountId.apply((a) => JSON.stringify(replicationTrust(a))),
      },
      { parent: this },
    );
    const permissions = new aws.iam.RolePolicy(
      `${name}-replication`,
      {
        role: role.name,
        policy: pulumi
          .all([source.arn, pulumi.output(args.kmsKeyArn), replica.bucketArn, key.arn, sourceRegion])
          .apply(([sourceBucketArn, sourceKeyArn, replicaBucketArn, replicaKeyArn, r]) =>
            JSON.stringify(
              replicationPolicy({ sourceBucketArn, sourceKeyArn, replicaBucketArn, replicaKeyArn, sourceRegion: r, replicaRegion: region }),
            ),
          ),
      },
      { parent: this },
    );
    new aws.s3.BucketReplicationConfig(
      `${name}-replication`,
      {
        bucket: source.id,
        role: role.arn,
        rules: [
          {
            id: "replicate-everything",
            status: "Enabled",
            priority: 1,
            filter: {},
            // A deleted model is deleted in the replica too; its versions stay there for noncurrentVersionDays.
            deleteMarkerReplication: { status: "Enabled" },
            sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
            destination: { bucket: replica.bucketArn, encryptionConfiguration: { replicaKmsKeyId: key.arn } },
          },
        ],
      },
      // Replication needs versioning on both sides (the replica's is inside its component) and the role's grants.
      { parent: this, dependsOn: [versioning, replica, permissions] },
    );
    return replica;
  }
}
