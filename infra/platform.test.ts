/**
 * The whole program under mocks, for both stack files: the secure defaults and the dev/prod
 * differences are asserted on what would be sent to AWS.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { byType, byUrn, one, runStack, SECRET, type RecordedResource, type StackRun } from "./testing/harness";

const runs: Partial<Record<"dev" | "prod", StackRun>> = {};
beforeAll(async () => {
  runs.dev = await runStack("dev");
  runs.prod = await runStack("prod");
}, 60_000);
const dev = () => runs.dev!;
const prod = () => runs.prod!;
const both = () => [dev(), prod()];

const T = {
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
const parentOf = (run: StackRun, r: RecordedResource) => byUrn(run, r.parent);
const keyArn = (run: StackRun, purpose: string) => one(run, T.key, `keys-${purpose}`).state.arn as string;

describe("components", () => {
  it("every AWS resource belongs to a fraud-platform component, with a prefixed type token", () => {
    for (const run of both()) {
      const components = run.resources.filter((r) => !r.custom && !r.remote);
      expect(components.map((c) => c.type).filter((t) => !t.startsWith("fraud-platform:"))).toEqual([]);
      for (const r of run.resources.filter((x) => x.type.startsWith("aws:") || x.type.startsWith("random:") || x.type.startsWith("eks:"))) {
        expect(parentOf(run, r)?.type, `${r.type} ${r.name}`).toMatch(/^fraud-platform:/);
      }
    }
  });
});

describe("network", () => {
  it("spreads three tiers over the stack's AZs with NAT per AZ in prod and one in dev", () => {
    const subnets = (run: StackRun) => byType(run, "aws:ec2/subnet:Subnet");
    expect(subnets(dev())).toHaveLength(6);
    expect(subnets(prod())).toHaveLength(9);
    expect(byType(dev(), "aws:ec2/natGateway:NatGateway")).toHaveLength(1);
    expect(byType(prod(), "aws:ec2/natGateway:NatGateway")).toHaveLength(3);
    expect(new Set(subnets(prod()).map((s) => s.inputs.availabilityZone))).toEqual(new Set(["us-east-1a", "us-east-1b", "us-east-1c"]));
    expect(subnets(prod()).every((s) => s.inputs.mapPublicIpOnLaunch === false)).toBe(true);
  });

  it("isolated subnets have no route out; private ones go through their AZ's NAT", () => {
    const rts = byType(prod(), "aws:ec2/routeTable:RouteTable");
    expect(one(prod(), "aws:ec2/routeTable:RouteTable", "-isolated").inputs.routes ?? []).toEqual([]);
    const natIds = byType(prod(), "aws:ec2/natGateway:NatGateway").map((n) => n.id);
    const privateNats = rts.filter((r) => /-private-\d$/.test(r.name)).map((r) => r.inputs.routes[0].natGatewayId);
    expect(new Set(privateNats).size).toBe(3);
    expect(new Set(privateNats)).toEqual(new Set(natIds));
  });

  it("has the S3 gateway endpoint and private interface endpoints for ECR, STS, Secrets Manager and CloudWatch Logs", () => {
    const endpoints = byType(prod(), "aws:ec2/vpcEndpoint:VpcEndpoint");
    const services = endpoints.map((e) => `${e.inputs.vpcEndpointType}:${e.inputs.serviceName}`).sort();
    expect(services).toEqual(
      // X-Ray: prod's traces go there (observability.tracing; dev has tracing off and no such endpoint)
      [
        "Gateway:s3",
        "Interface:ecr.api",
        "Interface:ecr.dkr",
        "Interface:logs",
        "Interface:secretsmanager",
        "Interface:sts",
        "Interface:xray",
      ]
        .map((s) => s.replace(":", ":com.amazonaws.us-east-1."))
        .sort(),
    );
    expect(endpoints.filter((e) => e.inputs.vpcEndpointType === "Interface").every((e) => e.inputs.privateDnsEnabled === true)).toBe(true);
    // dev pays for the interface endpoints in one AZ only
    expect(one(dev(), "aws:ec2/vpcEndpoint:VpcEndpoint", "-sts").inputs.subnetIds).toHaveLength(1);
    expect(one(prod(), "aws:ec2/vpcEndpoint:VpcEndpoint", "-sts").inputs.subnetIds).toHaveLength(3);
  });

  it("logs all VPC traffic to a KMS-encrypted group", () => {
    for (const run of both()) {
      const flow = one(run, "aws:ec2/flowLog:FlowLog");
      expect(flow.inputs).toMatchObject({ trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
      expect(run.resources.find((r) => r.type === T.logGroup && r.state.arn === flow.inputs.logDestination)?.inputs.kmsKeyId).toBe(
        keyArn(run, "logs"),
      );
    }
  });
});

describe("encryption and keys", () => {
  it("every key rotates, and every log group is encrypted and retained per settings", () => {
    for (const [run, days] of [
      [dev(), 14],
      [prod(), 365],
    ] as const) {
      // five keys of the platform, plus the model registry replica's in prod (backups.test.ts)
      const keys = byType(run, T.key);
      expect(keys.length).toBe(run.stack === "prod" ? 6 : 5);
      expect(keys.every((k) => k.inputs.enableKeyRotation === true)).toBe(true);
      const groups = byType(run, T.logGroup);
      expect(groups.length).toBeGreaterThanOrEqual(3);
      for (const g of groups)
        expect([g.inputs.name, g.inputs.kmsKeyId, g.inputs.retentionInDays]).toEqual([g.inputs.name, keyArn(run, "logs"), days]);
    }
  });

  it("data stores are encrypted with the data key, secrets with the secrets key", () => {
    const run = prod();
    const data = keyArn(run, "data");
    const db = one(run, T.db).inputs;
    expect([db.storageEncrypted, db.kmsKeyId, db.performanceInsightsEnabled, db.performanceInsightsKmsKeyId]).toEqual([
      true,
      data,
      true,
      data,
    ]);
    expect(db.masterUserSecretKmsKeyId).toBe(keyArn(run, "secrets"));
    const redis = one(run, T.redis).inputs;
    expect([redis.atRestEncryptionEnabled, redis.transitEncryptionEnabled, redis.transitEncryptionMode, redis.kmsKeyId]).toEqual([
      true,
      true,
      "required",
      data,
    ]);
    const msk = one(run, T.msk).inputs;
    expect(msk.encryptionInfo).toEqual({ encryptionAtRestKmsKeyArn: data, encryptionInTransit: { clientBroker: "TLS", inCluster: true } });
    for (const s of byType(run, T.secret)) expect(s.inputs.kmsKeyId).toBe(keyArn(run, "secrets"));
    expect(one(run, T.eks).inputs.encryptionConfigKeyArn).toBe(keyArn(run, "eks"));
  });

  it("generated secrets reach AWS only as secrets", () => {
    const run = dev();
    expect(one(run, T.redis).inputs.authToken).toBe(SECRET);
    for (const v of byType(run, "aws:secretsmanager/secretVersion:SecretVersion")) expect(v.inputs.secretString).toBe(SECRET);
    expect(run.outputs.kubeconfig).toBe(SECRET);
    expect(JSON.stringify(run.resources)).not.toMatch(/"fake[0-9a-f]{8}/); // no generated value in clear
  });
});

describe("data stores", () => {
  it("PostgreSQL: private, TLS-only, Multi-AZ + deletion protection + 30-day backups in prod", () => {
    for (const [run, ha, days] of [
      [dev(), false, 1],
      [prod(), true, 30],
    ] as const) {
      const db = one(run, T.db).inputs;
      expect(db).toMatchObject({
        engine: "postgres",
        publiclyAccessible: false,
        multiAz: ha,
        deletionProtection: ha,
        backupRetentionPeriod: days,
        skipFinalSnapshot: false,
        manageMasterUserPassword: true,
      });
      expect(db.finalSnapshotIdentifier).toMatch(/-postgres-final-[a-z0-9]{6}$/);
      expect(db.password).toBeUndefined();
      // exported logs land in groups we created (encrypted, retained), not ones RDS would make
      const groups = byType(run, T.logGroup).map((g) => g.inputs.name);
      for (const log of db.enabledCloudwatchLogsExports) expect(groups).toContain(`/aws/rds/instance/${db.identifier}/${log}`);
      const params = run.resources.find((r) => r.type === "aws:rds/parameterGroup:ParameterGroup")!.inputs;
      expect(params.family).toBe("postgres16");
      expect(params.parameters).toContainEqual(expect.objectContaining({ name: "rds.force_ssl", value: "1" }));
      const subnets = run.resources.find((r) => r.type === "aws:rds/subnetGroup:SubnetGroup")!.inputs.subnetIds;
      const isolated = byType(run, "aws:ec2/subnet:Subnet")
        .filter((s) => s.inputs.tags.tier === "isolated")
        .map((s) => s.id);
      expect(subnets).toEqual(isolated);
    }
  });

  it("Redis: failover and Multi-AZ in prod only", () => {
    expect(one(prod(), T.redis).inputs).toMatchObject({ automaticFailoverEnabled: true, multiAzEnabled: true, numCacheClusters: 3 });
    expect(one(dev(), T.redis).inputs).toMatchObject({ automaticFailoverEnabled: false, multiAzEnabled: false, numCacheClusters: 1 });
  });

  it("Redis: its own parameter group evicts nearest-expiry keys, alarms fire before memory is full, dev keeps a daily snapshot", () => {
    for (const [run, nodes] of [
      [dev(), 1],
      [prod(), 3],
    ] as const) {
      const group = one(run, T.redis);
      const params = one(run, "aws:elasticache/parameterGroup:ParameterGroup");
      expect(group.inputs.parameterGroupName).toBe(params.state.name);
      expect(params.inputs.family).toBe("redis7");
      expect(params.inputs.parameters).toEqual([{ name: "maxmemory-policy", value: "volatile-ttl" }]);
      expect(group.inputs.snapshotRetentionLimit).toBeGreaterThanOrEqual(1);
      const alarms = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) => a.inputs.namespace === "AWS/ElastiCache");
      const nodeIds = Array.from({ length: nodes }, (_, i) => `${group.id}-00${i + 1}`);
      const on = (metric: string) => alarms.filter((a) => a.inputs.metricName === metric);
      expect(on("DatabaseMemoryUsagePercentage").map((a) => a.inputs.dimensions.CacheClusterId)).toEqual(nodeIds);
      expect(on("Evictions").map((a) => a.inputs.dimensions.CacheClusterId)).toEqual(nodeIds);
      for (const a of on("DatabaseMemoryUsagePercentage"))
        expect(a.inputs).toMatchObject({ comparisonOperator: "GreaterThanOrEqualToThreshold", threshold: 80 });
      for (const a of on("Evictions")) expect(a.inputs).toMatchObject({ comparisonOperator: "GreaterThanThreshold", threshold: 0 });
    }
  });

  it("MSK: IAM auth only, brokers a multiple of the AZs, broker logs on", () => {
    for (const [run, brokers] of [
      [dev(), 2],
      [prod(), 3],
    ] as const) {
      const msk = one(run, T.msk).inputs;
      expect(msk.numberOfBrokerNodes).toBe(brokers);
      expect(msk.brokerNodeGroupInfo.clientSubnets).toHaveLength(brokers);
      expect(msk.clientAuthentication).toEqual({ sasl: { iam: true, scram: false }, unauthenticated: false });
      expect(msk.loggingInfo.brokerLogs.cloudwatchLogs.enabled).toBe(true);
      expect(msk.configurationInfo.arn).toMatch(/^arn:aws:kafka:.*:configuration\//);
    }
  });

  it("each data store admits only the workload node group, on its own port; no CIDR ingress anywhere except the endpoints' VPC range", () => {
    for (const run of both()) {
      const nodeSg = one(run, T.sg, "-workload-nodes").id;
      const rules = byType(run, T.ingress);
      const storePorts = rules
        .filter((r) => r.name.endsWith("-from-nodes"))
        .map((r) => [r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId]);
      expect(storePorts.sort()).toEqual(
        [
          [5432, 5432, nodeSg],
          [6379, 6379, nodeSg],
          [9098, 9098, nodeSg],
        ].sort(),
      );
      const cidrRules = rules.filter((r) => r.inputs.cidrIpv4 !== undefined);
      expect(cidrRules.map((r) => [r.inputs.cidrIpv4, r.inputs.fromPort])).toEqual([
        [run === dev() ? "10.40.0.0/16" : "10.50.0.0/16", 443],
      ]);
      for (const sg of byType(run, T.sg)) expect(sg.inputs.ingress ?? []).toEqual([]);
    }
  });
});

describe("cluster", () => {
  it("EKS: pinned version, API access entries, all control-plane logs, OIDC, private endpoint in prod", () => {
    const p = one(prod(), T.eks).inputs;
    expect(p).toMatchObject({
      version: "1.33",
      authenticationMode: "API",
      createOidcProvider: true,
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
      skipDefaultNodeGroup: true,
    });
    expect(p.enabledClusterLogTypes).toEqual(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
    expect(p.publicAccessCidrs).toBeUndefined();
    const d = one(dev(), T.eks).inputs;
    expect(d).toMatchObject({ endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
  });

  it("nodes: AL2023 managed group, IMDSv2 required with hop limit 1, encrypted root volume, sizes from settings", () => {
    const lt = one(prod(), "aws:ec2/launchTemplate:LaunchTemplate").inputs;
    expect(lt.metadataOptions).toMatchObject({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(lt.blockDeviceMappings[0].ebs).toMatchObject({ encrypted: "true", volumeType: "gp3" });
    const ng = one(prod(), "aws:eks/nodeGroup:NodeGroup").inputs;
    expect(ng).toMatchObject({
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 9 },
    });
    expect(ng.launchTemplate.id).toBe(one(prod(), "aws:ec2/launchTemplate:LaunchTemplate").id);
    expect(one(dev(), "aws:eks/nodeGroup:NodeGroup").inputs.capacityType).toBe("SPOT");
  });
});

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
