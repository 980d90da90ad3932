import type * as pulumi from "@pulumi/pulumi";
import type { Keys } from "./keys/keys";

/**
 * What the AWS platform hands to the Kubernetes workloads (issue 3) and to the stack outputs.
 * Everything a workload needs is here, typed; nothing else in the platform is public API.
 * Values that are secret (the kubeconfig) are marked secret.
 */
export interface PlatformExports {
  readonly region: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  /** Private subnets: nodes, pods, the EKS control plane's interfaces. */
  readonly privateSubnetCidrs: readonly string[];
  /** Subnets of the interface endpoints (STS, Secrets Manager, ECR). */
  readonly endpointSubnetCidrs: readonly string[];
  /** CIDRs of the region's S3 prefix list (reached through the gateway endpoint). */
  readonly s3Cidrs: pulumi.Output<string[]>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  readonly cluster: {
    readonly name: pulumi.Output<string>;
    /** JSON kubeconfig for `new k8s.Provider(..., { kubeconfig })`; secret. */
    readonly kubeconfig: pulumi.Output<string>;
    readonly oidcProviderArn: pulumi.Output<string>;
    /** Issuer without `https://`, as IRSA trust conditions use it. */
    readonly oidcIssuer: pulumi.Output<string>;
    /** Security group of the workload nodes (the data stores admit this group only). */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    readonly clusterSecurityGroupId: pulumi.Output<string>;
  };
  /** IRSA role ARNs by workload; annotate the matching service account (SERVICE_ACCOUNTS) with them. */
  readonly roleArns: {
    readonly api: pulumi.Output<string>;
    readonly worker: pulumi.Output<string>;
    readonly trainer: pulumi.Output<string>;
  };
  readonly images: { readonly api: pulumi.Output<string>; readonly trainer: pulumi.Output<string> };
  readonly modelBucket: { readonly name: pulumi.Output<string>; readonly arn: pulumi.Output<string> };
  readonly kafka: { readonly bootstrapBrokersIam: pulumi.Output<string>; readonly clusterArn: pulumi.Output<string> };
  readonly redis: { readonly host: pulumi.Output<string>; readonly port: number };
  readonly database: { readonly host: pulumi.Output<string>; readonly port: number; readonly name: string };
  readonly secretArns: {
    readonly apiKeys: pulumi.Output<string>;
    /** The analyst console's logins (JSON: users, sessionKey): the API's. */
    readonly consoleUsers: pulumi.Output<string>;
    readonly redisAuth: pulumi.Output<string>;
    /** RDS-managed master secret (JSON: username, password): the migration's. */
    readonly database: pulumi.Output<string>;
    /** The API's and stream worker's database role (JSON: username, password). */
    readonly databaseApi: pulumi.Output<string>;
    /** The trainer's database role (JSON: username, password). */
    readonly databaseTrainer: pulumi.Output<string>;
    readonly connection: pulumi.Output<string>;
  };
  /** Changes with the workload roles' passwords (DatabaseRoleSecrets.revision). */
  readonly databaseRolesRevision: pulumi.Output<string>;
  readonly keyArns: Keys["arns"];
  /** The container log group every workload's logs are shipped to, and the shipper's IRSA role. */
  readonly containerLogs: { readonly groupName: pulumi.Output<string>; readonly shipperRoleArn: pulumi.Output<string> };
  /** The trace collector's IRSA role (X-Ray writes), when `xrayTracing`. */
  readonly collectorRoleArn?: pulumi.Output<string>;
}
