import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Cluster, type ClusterArgs } from "./cluster/cluster";
import { Cache, type CacheArgs } from "./data/cache";
import { Database, type DatabaseArgs } from "./data/database";
import { Streaming, type StreamingArgs } from "./data/streaming";
import { WorkloadRoles } from "./identity/workload-roles";
import { Keys } from "./keys/keys";
import { LogStore, type LogStoreArgs } from "./observability/log-store";
import { xrayWritePolicy } from "./observability/documents";
import { OBSERVABILITY_SERVICE_ACCOUNTS } from "./observability/names";
import { IrsaRole } from "./identity/irsa-role";
import { secretName, stackPrefix } from "./naming";
import { Network, type NetworkArgs } from "./network/network";
import { AppSecrets } from "./secrets/app-secrets";
import { DatabaseRoleSecrets } from "./secrets/database-roles";
import { ModelBucket, type ModelBucketArgs } from "./storage/model-bucket";
import type { PlatformExports } from "./platform-exports";
import { ImageRegistry } from "./storage/registry";

/** Fields a component gets from other components or from the platform itself, not from its caller. */
type Wired =
  | "vpcId"
  | "subnetIds"
  | "privateSubnetIds"
  | "clientSecurityGroupId"
  | "dataKeyArn"
  | "secretsKeyArn"
  | "logsKeyArn"
  | "logRetentionDays"
  | "namePrefix";

export interface PlatformArgs {
  /** Project name: the first part of every physical name (`<project>-<stack>-...`). */
  readonly project: string;
  /** Stack name: the second part of every physical name. */
  readonly stack: string;
  /** Retention of every log group the platform creates (flow logs, EKS, MSK, RDS), in days. */
  readonly logRetentionDays: number;
  /** The VPC: range, AZs, NAT gateways, interface endpoints (see `NetworkArgs` for defaults). */
  readonly network: Omit<NetworkArgs, Wired>;
  /** EKS and its workload node group (`clusterName` is `<project>-<stack>`). */
  readonly cluster: Omit<ClusterArgs, Wired | "clusterName">;
  /** MSK: version and broker sizing. */
  readonly streaming: Omit<StreamingArgs, Wired>;
  /** ElastiCache Redis: version, node type and count, failover, snapshots. */
  readonly cache: Omit<CacheArgs, Wired | "authSecretName">;
  /** RDS PostgreSQL: version, sizing, protection, backups and restore. */
  readonly database: Omit<DatabaseArgs, Wired>;
  /** The container log group and its saved queries (see `LogStoreArgs` for defaults). */
  readonly containerLogs?: Pick<LogStoreArgs, "slowRequestMs">;
  /** Traces go to X-Ray: an IRSA role for the collector and an X-Ray interface endpoint. Default: false. */
  readonly xrayTracing?: boolean;
  /** The model registry bucket: old versions' expiry and the replica (see `ModelBucketArgs` for defaults). */
  readonly modelRegistry?: Omit<ModelBucketArgs, "kmsKeyArn">;
}

/** The AWS data platform of one stack: every component, wired together from its arguments. */
export class Platform extends pulumi.ComponentResource {
  readonly exports: PlatformExports;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:index:Platform", name, {}, opts);
    const prefix = stackPrefix(args.project, args.stack);
    const parent = { parent: this };
    const logs = args.logRetentionDays;

    const keys = new Keys("keys", { aliasPrefix: prefix }, parent);
    const network = new Network(
      "net",
      {
        ...args.network,
        logRetentionDays: logs,
        logsKeyArn: keys.arns.logs,
        namePrefix: prefix,
        extraInterfaceEndpoints: args.xrayTracing ? ["xray"] : [],
      },
      parent,
    );
    const cluster = new Cluster(
      "eks",
      {
        ...args.cluster,
        clusterName: prefix,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        secretsKeyArn: keys.arns.eks,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: logs,
      },
      parent,
    );
    const logStore = new LogStore(
      "logs",
      {
        clusterName: prefix,
        retentionDays: logs,
        logsKeyArn: keys.arns.logs,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        queryFolder: prefix,
        ...args.containerLogs,
      },
      parent,
    );
    const collectorRoleArn = args.xrayTracing
      ? new IrsaRole(
          "tracing-collector",
          {
            oidcProviderArn: cluster.oidcProviderArn,
            oidcIssuer: cluster.oidcIssuer,
            serviceAccounts: [OBSERVABILITY_SERVICE_ACCOUNTS.collector],
            policy: xrayWritePolicy(),
            description: "OpenTelemetry collector: send traces to X-Ray",
          },
          parent,
        ).roleArn
      : undefined;
    const clients = cluster.nodeSecurityGroupId;
    const streaming = new Streaming(
      "streaming",
      {
        vpcId: network.vpcId,
        subnetIds: network.isolatedSubnetIds,
        clientSecurityGroupId: clients,
        ...args.streaming,
        dataKeyArn: keys.arns.data,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: logs,
        namePrefix: prefix,
      },
      parent,
    );
    const cache = new Cache(
      "cache",
      {
        vpcId: network.vpcId,
        subnetIds: network.isolatedSubnetIds,
        clientSecurityGroupId: clients,
        ...args.cache,
        dataKeyArn: keys.arns.data,
        secretsKeyArn: keys.arns.secrets,
        authSecretName: secretName(args.project, args.stack, "redis-auth"),
      },
      parent,
    );
    const database = new Database(
      "db",
      {
        vpcId: network.vpcId,
        subnetIds: network.isolatedSubnetIds,
        clientSecurityGroupId: clients,
        ...args.database,
        dataKeyArn: keys.arns.data,
        secretsKeyArn: keys.arns.secrets,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: logs,
        namePrefix: prefix,
      },
      parent,
    );
    const bucket = new ModelBucket("models", { ...args.modelRegistry, kmsKeyArn: keys.arns.objects }, parent);
    const registry = new ImageRegistry(
      "images",
      { repositories: ["api", "trainer"], namePrefix: prefix, kmsKeyArn: keys.arns.objects },
      parent,
    );
    const secrets = new AppSecrets(
      "app",
      {
        kmsKeyArn: keys.arns.secrets,
        secretName: (purpose) => secretName(args.project, args.stack, purpose),
        connection: {
          redis: { host: cache.primaryEndpoint, port: cache.port, tls: true, authSecretArn: cache.authSecretArn },
          database: {
            host: database.address,
            port: database.port,
            name: database.databaseName,
            tls: true,
            secretArn: database.masterSecretArn,
          },
          kafka: { bootstrapBrokers: streaming.bootstrapBrokersIam, auth: "AWS_MSK_IAM" },
          modelRegistry: pulumi.interpolate`s3://${bucket.bucketName}/models`,
        },
      },
      parent,
    );
    const dbRoles = new DatabaseRoleSecrets(
      "db-roles",
      { kmsKeyArn: keys.arns.secrets, secretName: (purpose) => secretName(args.project, args.stack, purpose) },
      parent,
    );
    const roles = new WorkloadRoles(
      "irsa",
      {
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        modelBucketArn: bucket.bucketArn,
        objectsKeyArn: keys.arns.objects,
        secretsKeyArn: keys.arns.secrets,
        kafkaClusterArn: streaming.clusterArn,
        secretArns: {
          apiKeys: secrets.apiKeysArn,
          consoleUsers: secrets.consoleUsersArn,
          redisAuth: cache.authSecretArn,
          database: database.masterSecretArn,
          databaseApi: dbRoles.apiArn,
          databaseTrainer: dbRoles.trainerArn,
        },
      },
      parent,
    );

    this.exports = {
      region: aws.getRegionOutput({}, parent).region,
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      privateSubnetCidrs: network.privateSubnetCidrs,
      endpointSubnetCidrs: network.endpointSubnetCidrs,
      s3Cidrs: network.s3Cidrs,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      isolatedSubnetIds: network.isolatedSubnetIds,
      cluster: {
        name: cluster.clusterName,
        kubeconfig: cluster.kubeconfig,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuer: cluster.oidcIssuer,
        nodeSecurityGroupId: cluster.nodeSecurityGroupId,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
      },
      roleArns: { api: roles.api, worker: roles.worker, trainer: roles.trainer },
      images: { api: registry.urls.api, trainer: registry.urls.trainer },
      modelBucket: { name: bucket.bucketName, arn: bucket.bucketArn },
      kafka: { bootstrapBrokersIam: streaming.bootstrapBrokersIam, clusterArn: streaming.clusterArn },
      redis: { host: cache.primaryEndpoint, port: cache.port },
      database: { host: database.address, port: database.port, name: database.databaseName },
      secretArns: {
        apiKeys: secrets.apiKeysArn,
        consoleUsers: secrets.consoleUsersArn,
        redisAuth: cache.authSecretArn,
        database: database.masterSecretArn,
        databaseApi: dbRoles.apiArn,
        databaseTrainer: dbRoles.trainerArn,
        connection: secrets.connectionArn,
      },
      databaseRolesRevision: dbRoles.revision,
      keyArns: keys.arns,
      containerLogs: { groupName: logStore.logGroupName, shipperRoleArn: logStore.shipperRoleArn },
      collectorRoleArn,
    };
    this.registerOutputs({ clusterName: cluster.clusterName, vpcId: network.vpcId });
  }
}
