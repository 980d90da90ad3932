import { policy, serviceTrust, type PolicyDocument } from "../identity/documents";

export interface ReplicationArns {
  readonly sourceBucketArn: string;
  /** Decrypts the source objects (SSE-KMS). */
  readonly sourceKeyArn: string;
  readonly replicaBucketArn: string;
  /** Encrypts the replicas, in the replica's region. */
  readonly replicaKeyArn: string;
  readonly sourceRegion: string;
  readonly replicaRegion: string;
}

/** Trust of the replication role: S3 of this account only. */
export const replicationTrust = (accountId: string): PolicyDocument => serviceTrust("s3.amazonaws.com", accountId);

/**
 * What S3 replication needs and nothing more: read the source's configuration and object versions,
 * write replicas (with their delete markers and tags) into the one replica bucket, and use each
 * bucket's key only through S3 in its own region.
 */
export function replicationPolicy(a: ReplicationArns): PolicyDocument {
  return policy(
    {
      Sid: "ReadSourceConfiguration",
      Effect: "Allow",
      Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
      Resource: a.sourceBucketArn,
    },
    {
      Sid: "ReadSourceVersions",
      Effect: "Allow",
      Action: ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
      Resource: `${a.sourceBucketArn}/*`,
    },
    {
      Sid: "WriteReplicas",
      Effect: "Allow",
      Action: ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
      Resource: `${a.replicaBucketArn}/*`,
    },
    {
      Sid: "DecryptSource",
      Effect: "Allow",
      Action: "kms:Decrypt",
      Resource: a.sourceKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${a.sourceRegion}.amazonaws.com` } },
    },
    {
      Sid: "EncryptReplicas",
      Effect: "Allow",
      Action: ["kms:Encrypt", "kms:GenerateDataKey"],
      Resource: a.replicaKeyArn,
      Condition: { StringEquals: { "kms:ViaService": `s3.${a.replicaRegion}.amazonaws.com` } },
    },
  );
}
