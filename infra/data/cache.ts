import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceSecurityGroup } from "../network/security-groups";
import { storedSecret } from "../secrets/stored-secret";
import { MAXMEMORY_POLICY, MEMORY_ALARM_PERCENT, memberClusterIds, parameterGroupFamily } from "./cache-settings";

export const REDIS_PORT = 6379;

export interface CacheArgs {
  /** The VPC of the cache's security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets, one per AZ. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Members of this group (the workload nodes) may connect; nothing else. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Redis OSS `major.minor`. Default: `7.1`. */
  readonly engineVersion?: string;
  /** ElastiCache node type (`cache.r7g.large`). */
  readonly nodeType: string;
  /** Primary plus replicas. */
  readonly nodes: number;
  /** Automatic failover and Multi-AZ (requires nodes >= 2). */
  readonly multiAz: boolean;
  /** Daily snapshots kept, in days. Default: 0 (no snapshots). */
  readonly snapshotRetentionDays?: number;
  /** Where the memory and eviction alarms notify (SNS topic ARNs). Default: none (alarm state in CloudWatch only). */
  readonly alarmActions?: pulumi.Input<string>[];
  /** Encrypts the data at rest (snapshots included). */
  readonly dataKeyArn: pulumi.Input<string>;
  /** Encrypts the AUTH token secret. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /** Name of the AUTH token secret in Secrets Manager. */
  readonly authSecretName: string;
}

/** The defaults of `CacheArgs`. */
export const CACHE_DEFAULTS = { engineVersion: "7.1", snapshotRetentionDays: 0 } as const satisfies Partial<CacheArgs>;

/**
 * ElastiCache for Redis OSS: a replication group with TLS in transit, KMS at rest and an AUTH
 * token generated here and kept only in Secrets Manager (and, encrypted, in the Pulumi state).
 * Its own parameter group sets the eviction policy (cache-settings.ts says why), and CloudWatch
 * alarms fire on memory use and on any eviction, before the cache is full.
 */
export class Cache extends pulumi.ComponentResource {
  readonly primaryEndpoint: pulumi.Output<string>;
  readonly port: number = REDIS_PORT;
  readonly authSecretArn: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:data:Cache", name, {}, opts);
    const parent = { parent: this };
    const engineVersion = args.engineVersion ?? CACHE_DEFAULTS.engineVersion;
    if (args.multiAz && args.nodes < 2) throw new Error(`Cache ${name}: multiAz needs at least 2 nodes, got ${args.nodes}`);

    // ElastiCache AUTH tokens allow printable ASCII except / " @; alphanumerics avoid every escaping issue.
    const token = new random.RandomPassword(`${name}-auth`, { length: 64, special: false }, parent);
    this.authSecretArn = storedSecret(
      `${name}-auth`,
      { secretName: args.authSecretName, description: "Redis AUTH token", value: token.result, kmsKeyArn: args.secretsKeyArn },
      parent,
    ).arn;

    const sg = serviceSecurityGroup(
      `${name}-redis`,
      {
        vpcId: args.vpcId,
        port: REDIS_PORT,
        clientSecurityGroupId: args.clientSecurityGroupId,
        description: "Redis: TLS clients from workload nodes only",
      },
      parent,
    );
    const subnets = new aws.elasticache.SubnetGroup(
      `${name}-subnets`,
      { subnetIds: args.subnetIds, description: "isolated data subnets" },
      parent,
    );
    const parameters = new aws.elasticache.ParameterGroup(
      `${name}-params`,
      {
        family: parameterGroupFamily(engineVersion),
        description: `fraud-platform feature cache: maxmemory-policy ${MAXMEMORY_POLICY}`,
        parameters: [{ name: "maxmemory-policy", value: MAXMEMORY_POLICY }],
      },
      parent,
    );
    const group = new aws.elasticache.ReplicationGroup(
      `${name}-redis`,
      {
        description: "fraud-platform feature cache",
        engine: "redis",
        engineVersion,
        nodeType: args.nodeType,
        numCacheClusters: args.nodes,
        automaticFailoverEnabled: args.multiAz,
        multiAzEnabled: args.multiAz,
        port: REDIS_PORT,
        parameterGroupName: parameters.name,
        subnetGroupName: subnets.name,
        securityGroupIds: [sg.id],
        atRestEncryptionEnabled: true,
        kmsKeyId: args.dataKeyArn,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: token.result,
        authTokenUpdateStrategy: "ROTATE",
        snapshotRetentionLimit: args.snapshotRetentionDays ?? CACHE_DEFAULTS.snapshotRetentionDays,
        autoMinorVersionUpgrade: true,
        applyImmediately: false,
      },
      parent,
    );
    // Metrics are per node: one pair of alarms per member cluster.
    for (let i = 0; i < args.nodes; i++) {
      const node = group.id.apply((id) => memberClusterIds(id, args.nodes)[i]);
      const alarm = (suffix: string, a: Omit<aws.cloudwatch.MetricAlarmArgs, "namespace" | "dimensions" | "alarmActions" | "okActions">) =>
        new aws.cloudwatch.MetricAlarm(
          `${name}-${suffix}-${i + 1}`,
          {
            ...a,
            namespace: "AWS/ElastiCache",
            dimensions: { CacheClusterId: node },
            alarmActions: args.alarmActions ?? [],
            okActions: args.alarmActions ?? [],
          },
          parent,
        );
      alarm("memory", {
        alarmDescription: `Redis memory at ${MEMORY_ALARM_PERCENT}% of maxmemory: eviction (${MAXMEMORY_POLICY}) starts at 100%. Scale the node type up.`,
        metricName: "DatabaseMemoryUsagePercentage",
        statistic: "Maximum",
        period: 300,
        evaluationPeriods: 2,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        threshold: MEMORY_ALARM_PERCENT,
        treatMissingData: "notBreaching",
      });
      alarm("evictions", {
        alarmDescription:
          "Redis evicted keys: memory is full, the card, merchant and label keys closest to expiry (features and the ids cards remember) are being dropped. Scale the node type up.",
        metricName: "Evictions",
        statistic: "Sum",
        period: 60,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
      });
    }
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.registerOutputs({ primaryEndpoint: this.primaryEndpoint, authSecretArn: this.authSecretArn });
  }
}
