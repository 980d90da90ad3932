import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "./platform";
import type { PlatformExports } from "./platform-exports";
import type { Deployer } from "./deployer/deployer";
import type { Workloads } from "./workloads/workloads";

/**
 * The stack outputs: the one place they are declared. CI reads them with
 * `pulumi stack output --json` (README and docs/infra.md); renaming one is a breaking change.
 */
export interface StackOutputs {
  readonly region: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  /** Secret: `pulumi stack output kubeconfig --show-secrets > kubeconfig.json`. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly apiRepositoryUrl: pulumi.Output<string>;
  readonly trainerRepositoryUrl: pulumi.Output<string>;
  /** The API image the workloads run, by digest (`<repositoryUrl>@sha256:...`); absent while workloads.enabled is false. */
  readonly apiImage?: pulumi.Output<string>;
  /** The trainer image, by digest. */
  readonly trainerImage?: pulumi.Output<string>;
  /** The deploy runner's CodeBuild project (the deploy job's `runs-on: codebuild-<project>-...`). */
  readonly deployerProject: pulumi.Output<string>;
  /** Its role: what the deploy job's `pulumi up` runs as. */
  readonly deployerRoleArn: pulumi.Output<string>;
  readonly modelBucketName: pulumi.Output<string>;
  readonly mskBootstrapBrokersIam: pulumi.Output<string>;
  readonly redisEndpoint: pulumi.Output<string>;
  readonly databaseEndpoint: pulumi.Output<string>;
  /** Secrets Manager ARNs: apiKeys, consoleUsers (the analyst console logins), redisAuth, database (RDS-managed), databaseApi and databaseTrainer (the workloads' roles), connection. */
  readonly secretArns: pulumi.Output<pulumi.Unwrap<PlatformExports["secretArns"]>>;
  /** IRSA role ARNs by workload: api, worker, trainer. */
  readonly roleArns: pulumi.Output<pulumi.Unwrap<PlatformExports["roleArns"]>>;
  /** The fraud API's URL, always `https://`; set once the load balancer exists (absent while workloads.enabled is false). */
  readonly apiUrl?: pulumi.Output<string | undefined>;
  /** The self-signed certificate to trust (`curl --cacert`) in a stack without `certificateArn`; undefined otherwise. */
  readonly apiCertificatePem?: pulumi.Output<string | undefined>;
}

export interface DeployedWorkloads {
  readonly workloads: Workloads;
  readonly images: { readonly api: pulumi.Output<string>; readonly trainer: pulumi.Output<string> };
}

/** `deployed` is absent on a stack's first `up` (workloads.enabled=false). */
export function stackOutputs(platform: Platform, deployer: Deployer, deployed?: DeployedWorkloads): StackOutputs {
  const p = platform.exports;
  return {
    region: p.region,
    vpcId: p.vpcId,
    clusterName: p.cluster.name,
    kubeconfig: p.cluster.kubeconfig,
    apiRepositoryUrl: p.images.api,
    trainerRepositoryUrl: p.images.trainer,
    deployerProject: deployer.projectName,
    deployerRoleArn: deployer.roleArn,
    modelBucketName: p.modelBucket.name,
    mskBootstrapBrokersIam: p.kafka.bootstrapBrokersIam,
    redisEndpoint: pulumi.interpolate`${p.redis.host}:${p.redis.port}`,
    databaseEndpoint: pulumi.interpolate`${p.database.host}:${p.database.port}`,
    secretArns: pulumi.output(p.secretArns),
    roleArns: pulumi.output(p.roleArns),
    ...(deployed
      ? {
          apiImage: deployed.images.api,
          trainerImage: deployed.images.trainer,
          apiUrl: deployed.workloads.apiUrl,
          apiCertificatePem: deployed.workloads.apiCertificatePem,
        }
      : {}),
  };
}
