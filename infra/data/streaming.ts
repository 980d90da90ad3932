import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceSecurityGroup } from "../network/security-groups";
import { brokerCount, kafkaServerProperties } from "./kafka";

/** The port for IAM-authenticated TLS clients inside the VPC. */
export const MSK_IAM_PORT = 9098;

export interface StreamingArgs {
  /** The VPC of the brokers' security group. */
  readonly vpcId: pulumi.Input<string>;
  /** One subnet per AZ; brokers are spread evenly over them. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Members of this group (the workload nodes) may connect; nothing else. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** MSK Kafka version (`3.8.x`). */
  readonly kafkaVersion: string;
  /** MSK broker type (`kafka.m7g.large`). */
  readonly brokerInstanceType: string;
  /** Default: 1. */
  readonly brokersPerAz?: number;
  /** EBS storage of each broker, in GiB. */
  readonly brokerStorageGiB: number;
  /** Encrypts broker volumes. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** Encrypts the broker log group. */
  readonly logsKeyArn: pulumi.Input<string>;
  /** Retention of the broker log group, in days. */
  readonly logRetentionDays: number;
  /** Physical name prefix (`fraud-platform-prod`). */
  readonly namePrefix: string;
}

/** The defaults of `StreamingArgs`. */
export const STREAMING_DEFAULTS = { brokersPerAz: 1 } as const satisfies Partial<StreamingArgs>;

/**
 * Amazon MSK: TLS everywhere (client-broker and broker-broker), IAM client authentication only
 * (no plaintext, no unauthenticated access), KMS at rest, broker logs in CloudWatch.
 */
export class Streaming extends pulumi.ComponentResource {
  readonly clusterArn: pulumi.Output<string>;
  readonly clusterName: string;
  readonly bootstrapBrokersIam: pulumi.Output<string>;

  constructor(name: string, args: StreamingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:data:Streaming", name, {}, opts);
    const parent = { parent: this };
    const brokers = brokerCount(args.brokersPerAz ?? STREAMING_DEFAULTS.brokersPerAz, args.subnetIds.length);
    this.clusterName = `${args.namePrefix}-kafka`;

    const sg = serviceSecurityGroup(
      `${name}-brokers`,
      {
        vpcId: args.vpcId,
        port: MSK_IAM_PORT,
        clientSecurityGroupId: args.clientSecurityGroupId,
        description: "MSK brokers: IAM/TLS clients from workload nodes only",
      },
      parent,
    );
    const config = new aws.msk.Configuration(
      `${name}-config`,
      { name: `${this.clusterName}-config`, kafkaVersions: [args.kafkaVersion], serverProperties: kafkaServerProperties(brokers) },
      parent,
    );
    const logs = new aws.cloudwatch.LogGroup(
      `${name}-broker-logs`,
      { name: `/${args.namePrefix}/msk/brokers`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn },
      parent,
    );

    const cluster = new aws.msk.Cluster(
      `${name}-kafka`,
      {
        clusterName: this.clusterName,
        kafkaVersion: args.kafkaVersion,
        numberOfBrokerNodes: brokers,
        brokerNodeGroupInfo: {
          instanceType: args.brokerInstanceType,
          clientSubnets: args.subnetIds,
          securityGroups: [sg.id],
          storageInfo: { ebsStorageInfo: { volumeSize: args.brokerStorageGiB } },
        },
        encryptionInfo: { encryptionAtRestKmsKeyArn: args.dataKeyArn, encryptionInTransit: { clientBroker: "TLS", inCluster: true } },
        clientAuthentication: { sasl: { iam: true, scram: false }, unauthenticated: false },
        configurationInfo: { arn: config.arn, revision: config.latestRevision },
        loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: logs.name } } },
        enhancedMonitoring: "PER_BROKER",
      },
      parent,
    );
    this.clusterArn = cluster.arn;
    this.bootstrapBrokersIam = cluster.bootstrapBrokersSaslIam;
    this.registerOutputs({ clusterArn: this.clusterArn, bootstrapBrokersIam: this.bootstrapBrokersIam });
  }
}
