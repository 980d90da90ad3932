/**
 * The whole program under mocks, for both stack files: storage and registry, IAM identities, the
 * stack outputs, and configuration refused before any AWS resource.
 */
import { describe, expect, it } from "vitest";
import { byType, one, runStack, SECRET, type StackRun } from "./testing/harness";
import { keyArn, prod, T } from "./testing/platform-runs";

describe("storage and registry", () => {
  it("model bucket: versioned, SSE-KMS with the objects key, public access blocked, TLS-only, old versions expire", () => {
    const run = prod();
    const bucket = one(run, "aws:s3/bucket:Bucket", "models").state.bucket;
    expect(one(run, "aws:s3/bucketVersioning:BucketVersioning", "models-versioning").inputs).toMatchObject({
      bucket,
      versioningConfiguration: { status: "Enabled" },
    });
    expect(
      one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "models-sse").inputs.rules[0]
        .applyServerSideEncryptionByDefault,
    ).toEqual({ sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn(run, "objects") });
    expect(one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "models-public-access").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = JSON.parse(one(run, "aws:s3/bucketPolicy:BucketPolicy", "models-tls-only").inputs.policy);
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(
      one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "models-lifecycle").inputs.rules[0]
        .noncurrentVersionExpiration.noncurrentDays,
    ).toBe(90);
  });

  it("ECR: api and trainer, immutable tags, scan on push, KMS", () => {
    const repos = byType(prod(), "aws:ecr/repository:Repository");
    expect(repos.map((r) => r.inputs.name).sort()).toEqual(["fraud-platform-prod/api", "fraud-platform-prod/trainer"]);
    for (const r of repos)
      expect(r.inputs).toMatchObject({
        imageTagMutability: "IMMUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: keyArn(prod(), "objects") }],
      });
  });
});

describe("identity", () => {
  const roleFor = (run: StackRun, workload: string) => one(run, T.role, `irsa-${workload}-role`);
  const policyFor = (run: StackRun, workload: string) => JSON.parse(one(run, T.rolePolicy, `irsa-${workload}-policy`).inputs.policy);

  it("IRSA roles trust the cluster's OIDC provider and one service account each", () => {
    const run = prod();
    const eks = one(run, T.eks).state;
    for (const [w, sa] of [
      ["api", "fraud-serving:fraud-api"],
      ["worker", "fraud-serving:fraud-worker"],
      ["trainer", "fraud-training:fraud-trainer"],
    ]) {
      const trust = JSON.parse(roleFor(run, w).inputs.assumeRolePolicy).Statement[0];
      expect(trust.Principal.Federated).toBe(eks.oidcProviderArn);
      expect(trust.Condition.StringEquals[`${eks.oidcIssuer}:sub`]).toBe(`system:serviceaccount:${sa}`);
    }
  });

  it("policies name the real bucket, secrets and MSK cluster of the stack", () => {
    const run = prod();
    const bucketArn = one(run, "aws:s3/bucket:Bucket", "models").state.arn;
    const clusterArn = one(run, T.msk).state.arn;
    const dbSecret = one(run, T.db).state.masterUserSecrets[0].secretArn;
    const apiKeys = one(run, T.secret, "app-api-keys").state.arn;
    const consoleUsers = one(run, T.secret, "app-console-users").state.arn;
    const api = JSON.stringify(policyFor(run, "api"));
    for (const arn of [bucketArn, dbSecret, apiKeys, consoleUsers]) expect(api).toContain(arn);
    // The split: the API holds no Kafka right, the worker cannot read the API keys.
    expect(api).not.toContain("kafka-cluster");
    expect(api).not.toContain(clusterArn);
    expect(api).not.toContain("s3:PutObject");
    const worker = JSON.stringify(policyFor(run, "worker"));
    for (const arn of [bucketArn, clusterArn, clusterArn.replace(":cluster/", ":topic/") + "/transactions"]) expect(worker).toContain(arn);
    expect(worker).not.toContain(apiKeys);
    expect(worker).not.toContain(consoleUsers);
    expect(worker).not.toContain("s3:PutObject");
    expect(roleFor(run, "api").state.arn).not.toBe(roleFor(run, "worker").state.arn);
    const trainer = JSON.stringify(policyFor(run, "trainer"));
    expect(trainer).toContain(`${bucketArn}/*`);
    expect(trainer).toContain("s3:PutObject");
    expect(trainer).not.toContain("kafka-cluster");
  });

  it("each workload reads its own database role's secret; only the API pods (their migration init container) the master's and the trainer's", () => {
    const run = prod();
    const master = one(run, T.db).state.masterUserSecrets[0].secretArn;
    const secretArn = (purpose: string) => one(run, "aws:secretsmanager/secret:Secret", `db-roles-${purpose}`).state.arn;
    const [api, worker, trainer] = ["api", "worker", "trainer"].map((w) => JSON.stringify(policyFor(run, w)));
    expect(api).toContain(master);
    expect(api).toContain(secretArn("api"));
    expect(worker).toContain(secretArn("api"));
    expect(trainer).toContain(secretArn("trainer"));
    expect(trainer).not.toContain(master);
    expect(worker).not.toContain(master);
    // the migration sets the trainer role's password from its secret
    expect(api).toContain(secretArn("trainer"));
    expect(worker).not.toContain(secretArn("trainer"));
    expect(trainer).not.toContain(secretArn("api"));
    for (const purpose of ["api", "trainer"]) {
      expect(one(run, "aws:secretsmanager/secret:Secret", `db-roles-${purpose}`).inputs.kmsKeyId).toBe(keyArn(run, "secrets"));
    }
  });
});

describe("stack outputs", () => {
  it("exports what CI reads, with real-looking values", () => {
    const o = prod().outputs;
    expect(o).toMatchObject({
      clusterName: "fraud-platform-prod",
      kubeconfig: SECRET,
      apiRepositoryUrl: expect.stringMatching(/\.dkr\.ecr\.us-east-1\.amazonaws\.com\/fraud-platform-prod\/api$/),
      trainerRepositoryUrl: expect.stringMatching(/\/fraud-platform-prod\/trainer$/),
      modelBucketName: one(prod(), "aws:s3/bucket:Bucket", "models").state.bucket,
      mskBootstrapBrokersIam: expect.stringMatching(/:9098(,|$)/),
      redisEndpoint: expect.stringMatching(/:6379$/),
      databaseEndpoint: expect.stringMatching(/\.rds\.amazonaws\.com:5432$/),
    });
    expect(Object.keys(o.secretArns).sort()).toEqual([
      "apiKeys",
      "connection",
      "consoleUsers",
      "database",
      "databaseApi",
      "databaseTrainer",
      "redisAuth",
    ]);
    for (const arn of Object.values(o.secretArns)) expect(arn).toMatch(/^arn:aws:secretsmanager:/);
  });
});

describe("bad configuration", () => {
  it("fails before any AWS resource with the key, the value and what is allowed", async () => {
    const run = runStack("prod", {
      configOverrides: {
        "fraud-platform:database": JSON.stringify({
          engineVersion: "16",
          instanceClass: "db.r7g.large",
          allocatedStorageGiB: 100,
          maxAllocatedStorageGiB: 500,
          multiAz: true,
          deletionProtection: true,
          backupRetentionDays: 90,
        }),
      },
    });
    await expect(run).rejects.toThrow("fraud-platform:database.backupRetentionDays = 90: expected an integer from 1 to 35");
  });

  it("a preview run completes with unknown outputs", async () => {
    const run = await runStack("dev", { preview: true });
    expect(byType(run, T.db)).toHaveLength(1);
  });
});
