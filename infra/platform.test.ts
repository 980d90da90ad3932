/**
 * The whole program under mocks, for both stack files: the secure defaults and the dev/prod
 * differences of the network, keys, data stores and cluster, asserted on what would be sent to AWS.
 */
import { describe, expect, it } from "vitest";
import { byType, one, SECRET, type StackRun } from "./testing/harness";
import { both, dev, keyArn, parentOf, prod, T } from "./testing/platform-runs";

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
