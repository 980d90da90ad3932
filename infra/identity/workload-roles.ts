import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TOPICS } from "../../app/src/config/deploy-contract";
import { kafkaArns } from "../data/kafka";
import { SERVICE_ACCOUNTS } from "../workloads/names";
import type { PolicyDocument } from "./documents";
import { apiPolicy, trainerPolicy, workerPolicy, type WorkloadArns } from "./grants";
import { IrsaRole } from "./irsa-role";

/** Consumer groups the serving workloads may use: `fraud-` followed by anything. */
export const CONSUMER_GROUP_PATTERN = "fraud-*";

export interface WorkloadRolesArgs {
  /** The cluster's IAM OIDC provider, which every role trusts. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** Its issuer without `https://` (the trust conditions' key prefix). */
  readonly oidcIssuer: pulumi.Input<string>;
  /** The model registry bucket: the trainer writes, the API and worker read. */
  readonly modelBucketArn: pulumi.Input<string>;
  /** KMS key of the bucket's objects. */
  readonly objectsKeyArn: pulumi.Input<string>;
  /** KMS key of the Secrets Manager secrets below. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /** The MSK cluster: the worker's IAM auth (topics and `CONSUMER_GROUP_PATTERN` groups). */
  readonly kafkaClusterArn: pulumi.Input<string>;
  /** Each secret is readable by the workloads that need it only. */
  readonly secretArns: {
    /** The API's keys: the API only. */
    readonly apiKeys: pulumi.Input<string>;
    /** The analyst console's logins (served by the API): the API only. */
    readonly consoleUsers: pulumi.Input<string>;
    /** Redis AUTH token: the API and worker. */
    readonly redisAuth: pulumi.Input<string>;
    /** RDS master secret: the migration, an init container of the API pods (same service account). */
    readonly database: pulumi.Input<string>;
    /** The serving role's login: the API (and its migration) and the worker. */
    readonly databaseApi: pulumi.Input<string>;
    /** The trainer role's login: the trainer, and the API's migration (it sets the password). */
    readonly databaseTrainer: pulumi.Input<string>;
  };
}

/** One IRSA role per workload (API, stream worker, trainer), each trusting only its service account and holding only its own grants. */
export class WorkloadRoles extends pulumi.ComponentResource {
  readonly api: pulumi.Output<string>;
  readonly worker: pulumi.Output<string>;
  readonly trainer: pulumi.Output<string>;

  constructor(name: string, args: WorkloadRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:identity:WorkloadRoles", name, {}, opts);
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const arns = pulumi
      .all([region, args.modelBucketArn, args.objectsKeyArn, args.secretsKeyArn, args.kafkaClusterArn])
      .apply(([r, bucket, objectsKey, secretsKey, cluster]): WorkloadArns => ({
        region: r,
        modelBucketArn: bucket,
        objectsKeyArn: objectsKey,
        secretsKeyArn: secretsKey,
        kafka: kafkaArns(cluster, Object.values(TOPICS), [CONSUMER_GROUP_PATTERN]),
      }));
    const s = args.secretArns;
    // Each workload reads only the secrets it uses: the worker never sees the API keys. The API's
    // pods also run the migration (an init container, same service account), which connects as
    // the master user and sets both workload roles' passwords, so the API reads those three.
    const api = pulumi
      .all([arns, s.apiKeys, s.consoleUsers, s.redisAuth, s.databaseApi, s.database, s.databaseTrainer])
      .apply(([a, ...secrets]) => apiPolicy(a, secrets));
    const worker = pulumi.all([arns, s.redisAuth, s.databaseApi]).apply(([a, ...secrets]) => workerPolicy(a, secrets));
    const training = pulumi.all([arns, s.databaseTrainer]).apply(([a, db]) => trainerPolicy(a, [db]));
    const role = (id: string, sa: { namespace: string; name: string }, policy: pulumi.Output<PolicyDocument>, description: string) =>
      new IrsaRole(
        `${name}-${id}`,
        { oidcProviderArn: args.oidcProviderArn, oidcIssuer: args.oidcIssuer, serviceAccounts: [sa], policy, description },
        { parent: this },
      ).roleArn;

    this.api = role("api", SERVICE_ACCOUNTS.api, api, "fraud API and its migration: read models and its secrets; no Kafka");
    this.worker = role(
      "worker",
      SERVICE_ACCOUNTS.worker,
      worker,
      "stream worker: read models and its secrets, use the fraud topics; not the API keys",
    );
    this.trainer = role("trainer", SERVICE_ACCOUNTS.trainer, training, "trainer: read and write models, read its database role's secret");
    this.registerOutputs({ api: this.api, worker: this.worker, trainer: this.trainer });
  }
}
