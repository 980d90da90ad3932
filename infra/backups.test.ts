/**
 * Backups and recovery under mocks, both stack files: RDS backups and the restore setting, Redis
 * snapshots, the model registry's lifecycle and cross-region replica.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { restoreInputs } from "./data/restore";
import { replicationPolicy } from "./storage/replication-policy";
import { byType, one, runStack, stackConfig, type StackRun } from "./testing/harness";

const runs: Partial<Record<"dev" | "prod" | "restored", StackRun>> = {};
const RESTORE = { sourceInstance: "fraud-platform-prod-postgres", toTime: "2026-12-07T03:15:00Z" };
beforeAll(async () => {
  runs.dev = await runStack("dev");
  runs.prod = await runStack("prod");
  const { config } = stackConfig("prod");
  const database = { ...JSON.parse(config["fraud-platform:database"]!), restore: RESTORE };
  runs.restored = await runStack("prod", { configOverrides: { "fraud-platform:database": JSON.stringify(database) } });
}, 90_000);

const DB = "aws:rds/instance:Instance";
const BUCKET = "aws:s3/bucket:Bucket";

describe("PostgreSQL backups", () => {
  it("automated backups for the stack's retention (prod 30 days), kept after a delete, with a final snapshot", () => {
    for (const [run, days] of [
      [runs.dev!, 1],
      [runs.prod!, 30],
    ] as const) {
      const db = one(run, DB).inputs;
      expect(db).toMatchObject({
        backupRetentionPeriod: days,
        deleteAutomatedBackups: false,
        skipFinalSnapshot: false,
        copyTagsToSnapshot: true,
      });
      expect(db.identifier).toBe(`fraud-platform-${run.stack}-postgres`);
      expect(db.snapshotIdentifier).toBeUndefined();
      expect(db.restoreToPointInTime).toBeUndefined();
      expect(db).toMatchObject({ dbName: "fraud", username: "fraud_admin" });
    }
  });

  it("a restore setting makes a new instance from the backup, with its own identifier and log groups, and the app points at it", () => {
    const run = runs.restored!;
    const db = one(run, DB);
    const expected = restoreInputs("fraud-platform-prod-postgres", RESTORE);
    expect(db.inputs.identifier).toBe(expected.identifier);
    expect(db.inputs.identifier).toMatch(/^fraud-platform-prod-postgres-r[0-9a-f]{8}$/);
    expect(db.inputs.restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "fraud-platform-prod-postgres",
      restoreTime: "2026-12-07T03:15:00Z",
    });
    // database and master user come from the backup; everything else is the stack's as before
    expect(db.inputs.dbName).toBeUndefined();
    expect(db.inputs.username).toBeUndefined();
    expect(db.inputs).toMatchObject({
      manageMasterUserPassword: true,
      storageEncrypted: true,
      backupRetentionPeriod: 30,
      deletionProtection: true,
    });
    const groups = byType(run, "aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs.name);
    expect(groups).toContain(`/aws/rds/instance/${db.inputs.identifier}/postgresql`);
    // the connection secret the workloads read names the restored instance's address
    expect(run.outputs.databaseEndpoint).toBe(`${db.state.address}:5432`);
  });

  it("the same restore source always gives the same identifier; another source another one", () => {
    const a = restoreInputs("p-postgres", { fromSnapshot: "rds:p-postgres-2026-12-07-03-10" });
    expect(restoreInputs("p-postgres", { fromSnapshot: "rds:p-postgres-2026-12-07-03-10" })).toEqual(a);
    expect(a.snapshotIdentifier).toBe("rds:p-postgres-2026-12-07-03-10");
    expect(restoreInputs("p-postgres", { fromSnapshot: "rds:p-postgres-2026-12-06-03-10" }).identifier).not.toBe(a.identifier);
    expect(restoreInputs("p-postgres", { sourceInstance: "p-postgres" }).restoreToPointInTime).toEqual({
      sourceDbInstanceIdentifier: "p-postgres",
      useLatestRestorableTime: true,
    });
    expect(restoreInputs("p-postgres", undefined)).toEqual({ identifier: "p-postgres" });
  });
});

describe("Redis snapshots", () => {
  it("daily snapshots kept for the stack's retention (prod 7 days)", () => {
    expect(one(runs.prod!, "aws:elasticache/replicationGroup:ReplicationGroup").inputs.snapshotRetentionLimit).toBe(7);
    expect(one(runs.dev!, "aws:elasticache/replicationGroup:ReplicationGroup").inputs.snapshotRetentionLimit).toBe(1);
  });
});

describe("model registry", () => {
  it("old versions expire after the stack's noncurrentVersionDays", () => {
    for (const [run, days] of [
      [runs.dev!, 30],
      [runs.prod!, 90],
    ] as const) {
      const rules = one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "models-lifecycle").inputs.rules;
      expect(rules.find((r: any) => r.id === "expire-old-versions").noncurrentVersionExpiration).toEqual({ noncurrentDays: days });
    }
  });

  it("dev has no replica", () => {
    expect(byType(runs.dev!, BUCKET).map((b) => b.name)).toEqual(["models"]);
    expect(byType(runs.dev!, "aws:s3/bucketReplicationConfig:BucketReplicationConfig")).toHaveLength(0);
  });

  it("prod replicates every version to a versioned, SSE-KMS, private, TLS-only bucket in us-west-2 with its own key", () => {
    const run = runs.prod!;
    const provider = byType(run, "pulumi:providers:aws").find((p) => p.name === "models-replica-region")!;
    expect(provider.inputs.region).toBe("us-west-2");
    const inReplicaRegion = (r: { provider?: string }) => r.provider?.startsWith(provider.urn);
    const replica = one(run, BUCKET, "models-replica");
    expect(inReplicaRegion(replica)).toBe(true);
    const key = one(run, "aws:kms/key:Key", "models-replica");
    expect(inReplicaRegion(key)).toBe(true);
    expect(key.inputs.enableKeyRotation).toBe(true);
    for (const [type, suffix] of [
      ["aws:s3/bucketVersioning:BucketVersioning", "models-replica-versioning"],
      ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "models-replica-sse"],
      ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "models-replica-public-access"],
      ["aws:s3/bucketPolicy:BucketPolicy", "models-replica-tls-only"],
    ]) {
      const r = one(run, type, suffix);
      expect(inReplicaRegion(r), suffix).toBe(true);
      expect(r.inputs.bucket).toBe(replica.state.bucket);
    }
    expect(
      one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "models-replica-sse").inputs
        .rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId,
    ).toBe(key.state.arn);

    const source = one(run, BUCKET, "models");
    const config = one(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").inputs;
    expect(config.bucket).toBe(source.state.bucket);
    expect(config.rules).toEqual([
      expect.objectContaining({
        status: "Enabled",
        filter: {},
        deleteMarkerReplication: { status: "Enabled" },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: "Enabled" } },
        destination: { bucket: replica.state.arn, encryptionConfiguration: { replicaKmsKeyId: key.state.arn } },
      }),
    ]);
    const role = one(run, "aws:iam/role:Role", "models-replication");
    expect(config.role).toBe(role.state.arn);
    expect(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal).toEqual({ Service: "s3.amazonaws.com" });
    const policy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "models-replication").inputs.policy);
    expect(policy).toEqual(
      replicationPolicy({
        sourceBucketArn: source.state.arn,
        sourceKeyArn: one(run, "aws:kms/key:Key", "keys-objects").state.arn,
        replicaBucketArn: replica.state.arn,
        replicaKeyArn: key.state.arn,
        sourceRegion: "us-east-1",
        replicaRegion: "us-west-2",
      }),
    );
  });

  it("the deployer may act in the replica's region too (prod), in the stack's only (dev)", () => {
    const regions = (run: StackRun) =>
      JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "deployer-up").inputs.policy).Statement.find(
        (s: any) => s.Sid === "PlatformServices",
      ).Condition.StringEquals["aws:RequestedRegion"];
    expect(regions(runs.prod!)).toEqual(["us-east-1", "us-west-2"]);
    expect(regions(runs.dev!)).toBe("us-east-1");
  });
});

describe("replication grants", () => {
  it("name the two buckets and keys only, each key through S3 in its own region", () => {
    const p = replicationPolicy({
      sourceBucketArn: "arn:aws:s3:::src",
      sourceKeyArn: "arn:aws:kms:us-east-1:111122223333:key/a",
      replicaBucketArn: "arn:aws:s3:::dst",
      replicaKeyArn: "arn:aws:kms:us-west-2:111122223333:key/b",
      sourceRegion: "us-east-1",
      replicaRegion: "us-west-2",
    });
    const resources = p.Statement.flatMap((s) => [s.Resource].flat());
    expect(new Set(resources)).toEqual(
      new Set([
        "arn:aws:s3:::src",
        "arn:aws:s3:::src/*",
        "arn:aws:s3:::dst/*",
        "arn:aws:kms:us-east-1:111122223333:key/a",
        "arn:aws:kms:us-west-2:111122223333:key/b",
      ]),
    );
    expect(
      p.Statement.filter((s) => String(s.Action).startsWith("kms") || [s.Action].flat()[0]!.startsWith("kms")).map((s) => s.Condition),
    ).toEqual([
      { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      { StringEquals: { "kms:ViaService": "s3.us-west-2.amazonaws.com" } },
    ]);
  });
});
