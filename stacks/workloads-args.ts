import type { LogSettings } from "./settings";
import type { WorkloadSettings } from "./workloads";
import type { PlatformExports } from "../infra/platform-exports";
import type { WorkloadsArgs } from "../infra/workloads/workloads";

/** The workloads' inputs from what the platform exports: addresses, ARNs and the kubeconfig, no secret values. */
export function workloadsArgs(
  p: PlatformExports,
  settings: WorkloadSettings,
  images: WorkloadsArgs["images"],
  logs?: LogSettings,
): WorkloadsArgs {
  return {
    options: settings,
    kubeconfig: p.cluster.kubeconfig,
    cluster: {
      name: p.cluster.name,
      oidcProviderArn: p.cluster.oidcProviderArn,
      oidcIssuer: p.cluster.oidcIssuer,
      nodeSecurityGroupId: p.cluster.nodeSecurityGroupId,
    },
    vpcId: p.vpcId,
    network: {
      vpcCidr: p.vpcCidr,
      privateSubnetCidrs: p.privateSubnetCidrs,
      endpointSubnetCidrs: p.endpointSubnetCidrs,
      s3Cidrs: p.s3Cidrs,
    },
    images,
    roles: { ...p.roleArns, collector: p.collectorRoleArn },
    endpoints: {
      region: p.region,
      redisHost: p.redis.host,
      redisPort: p.redis.port,
      databaseHost: p.database.host,
      databasePort: p.database.port,
      databaseName: p.database.name,
      kafkaBrokers: p.kafka.bootstrapBrokersIam,
      modelBucket: p.modelBucket.name,
      secretArns: {
        apiKeys: p.secretArns.apiKeys,
        consoleUsers: p.secretArns.consoleUsers,
        redisAuth: p.secretArns.redisAuth,
        database: p.secretArns.database,
        databaseApi: p.secretArns.databaseApi,
        databaseTrainer: p.secretArns.databaseTrainer,
      },
      databaseRolesRevision: p.databaseRolesRevision,
    },
    logShipping: logs
      ? { logGroupName: p.containerLogs.groupName, roleArn: p.containerLogs.shipperRoleArn, chartVersion: logs.shipperChartVersion }
      : undefined,
  };
}
