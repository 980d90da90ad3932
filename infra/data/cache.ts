import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceSecurityGroup } from "../network/security-groups";
import { storedSecret } from "../secrets/stored-secret";

export const REDIS_PORT = 6379;

export interface CacheArgs {
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets, one per AZ. */
  readonly subnetIds: pulumi.Input<string>[];
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Redis OSS `major.minor`. */
  readonly engineVersion: string;
  readonly nodeType: string;
  /** Primary plus replicas. */
  readonly nodes: number;
  /** Automatic failover and Multi-AZ (requires nodes >= 2). */
  readonly multiAz: boolean;
  /** Default: 0 (no snapshots). */
  readonly snapshotRetentionDays?: number;
  readonly dataKeyArn: pulumi.Input<string>;
  readonly secretsKeyArn: pulumi.Input<string>;
  /** Name of the AUTH token secret in Secrets Manager. */
  readonly authSecretName: string;
}

/**
 * ElastiCache for Redis OSS: a replication group with TLS in transit, KMS at rest and an AUTH
 * token generated here and kept only in Secrets Manager (and, encrypted, in the Pulumi state).
 */
export class Cache extends pulumi.ComponentResource {
  readonly primaryEndpoint: pulumi.Output<string>;
  readonly port: number = REDIS_PORT;
  readonly authSecretArn: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:data:Cache", name, {}, opts);
    const parent = { parent: this };
    if (args.multiAz && args.nodes < 2) throw new Error(`Cache ${name}: multiAz needs at least 2 nodes, got ${args.nodes}`);

    // ElastiCache AUTH tokens allow printable ASCII except / " @; alphanumerics avoid every escaping issue.
    const token = new random.RandomPassword(`${name}-auth`, { length: 64, special: false }, parent);
    this.authSecretArn = storedSecret(`${name}-auth`, { secretName: args.authSecretName, description: "Redis AUTH token", value: token.result, kmsKeyArn: args.secretsKeyArn }, parent);

    const sg = serviceSecurityGroup(`${name}-redis`, { vpcId: args.vpcId, port: REDIS_PORT, clientSecurityGroupId: args.clientSecurityGroupId, description: "Redis: TLS clients from workload nodes only" }, parent);
    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, description: "isolated data subnets" }, parent);
    const group = new aws.elasticache.ReplicationGroup(
      `${name}-redis`,
      {
        description: "fraud-platform feature cache",
        engine: "redis",
        engineVersion: args.engineVersion,
        nodeType: args.nodeType,
        numCacheClusters: args.nodes,
        automaticFailoverEnabled: args.multiAz,
        multiAzEnabled: args.multiAz,
        port: REDIS_PORT,
        subnetGroupName: subnets.name,
        securityGroupIds: [sg.id],
        atRestEncryptionEnabled: true,
        kmsKeyId: args.dataKeyArn,
        transitEncryptionEnabled: true,
        transitEncryptionMode: "required",
        authToken: token.result,
        authTokenUpdateStrategy: "ROTATE",
        snapshotRetentionLimit: args.snapshotRetentionDays ?? 0,
        autoMinorVersionUpgrade: true,
        applyImmediately: false,
      },
      parent,
    );
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.registerOutputs({ primaryEndpoint: this.primaryEndpoint, authSecretArn: this.authSecretArn });
  }
}
