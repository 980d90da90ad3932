import * as pulumi from "@pulumi/pulumi";
import { API_DRAIN_SECONDS, ENV, PORTS, TOPICS } from "../../app/src/config/deploy-contract";
import type { WorkloadOptions } from "./options";
import type { EnvValues } from "./pod";
import { WORKLOAD_NAMES } from "./names";
import { tracingEnv } from "../observability/tracing";

/** What every workload component (API, worker, trainer) is given. */
export interface WorkloadArgs {
  /** Namespace of the workload's objects. */
  readonly namespace: pulumi.Input<string>;
  /** `<ECR repository URL>:<tag>` of the image the workload runs. */
  readonly image: pulumi.Input<string>;
  /** The workload's IRSA role. */
  readonly roleArn: pulumi.Input<string>;
  /** Where the data stores are. */
  readonly endpoints: DataStoreEndpoints;
  /** Sizes, scaling, log level, features (defaults in `WorkloadOptions`). */
  readonly options: WorkloadOptions;
}

/** Where the data stores are, from the platform's outputs. Only addresses and ARNs: never secret values. */
export interface DataStoreEndpoints {
  readonly region: pulumi.Input<string>;
  /** ElastiCache primary endpoint address (host only). */
  readonly redisHost: pulumi.Input<string>;
  /** Default 6379. */
  readonly redisPort?: number;
  readonly databaseHost: pulumi.Input<string>;
  /** Default 5432. */
  readonly databasePort?: pulumi.Input<number>;
  readonly databaseName: pulumi.Input<string>;
  /** MSK bootstrap brokers for IAM auth (port 9098), comma-separated. */
  readonly kafkaBrokers: pulumi.Input<string>;
  /** S3 bucket of the model registry. */
  readonly modelBucket: pulumi.Input<string>;
  readonly secretArns: {
    readonly apiKeys: pulumi.Input<string>;
    /** The analyst console's logins: the API's. */
    readonly consoleUsers: pulumi.Input<string>;
    readonly redisAuth: pulumi.Input<string>;
    /** RDS-managed master secret: migrations only. */
    readonly database: pulumi.Input<string>;
    /** The serving workloads' own database role. */
    readonly databaseApi: pulumi.Input<string>;
    /** The trainer's own database role. */
    readonly databaseTrainer: pulumi.Input<string>;
  };
  /**
   * Changes when a workload role's password does: the API pods carry it, so a new password rolls
   * out the migration that sets it. Absent: no such annotation.
   */
  readonly databaseRolesRevision?: pulumi.Input<string>;
}

/** Prefix of the registry inside the bucket; the trainer writes and the API reads the same place. */
export const MODEL_PREFIX = "models";

export const modelRegistryUrl = (bucket: pulumi.Input<string>): pulumi.Output<string> => pulumi.interpolate`s3://${bucket}/${MODEL_PREFIX}`;

/** What every process needs to reach PostgreSQL: TLS on, logging in as the role in `secretArn`. */
function databaseEnv(d: DataStoreEndpoints, secretArn: pulumi.Input<string>): EnvValues {
  return {
    [ENV.databaseHost]: d.databaseHost,
    [ENV.databasePort]: pulumi.output(d.databasePort ?? 5432).apply(String),
    [ENV.databaseName]: d.databaseName,
    [ENV.databaseTls]: "true",
    [ENV.databaseSecretArn]: secretArn,
  };
}

/** Feature computation: identical for serving and training (one setting feeds both). */
function featureEnv(s: WorkloadOptions): EnvValues {
  return { [ENV.featureTimezone]: s.features.timezone, [ENV.labelDelayDays]: String(s.features.labelDelayDays) };
}

/**
 * The serving side (API and stream worker): feature store, decision log and registry, all over
 * TLS with secret auth. Each adds its own inputs below; neither gets the other's (the API has no
 * Kafka right, the worker no API keys: their IAM roles are split the same way).
 */
function servingEnv(d: DataStoreEndpoints, s: WorkloadOptions): EnvValues {
  return {
    [ENV.port]: String(PORTS.http),
    [ENV.metricsPort]: String(PORTS.metrics),
    [ENV.logLevel]: s.logLevel,
    [ENV.awsRegion]: d.region,
    // rediss:// is TLS; the AUTH token is read from REDIS_AUTH_SECRET_ARN, never put in the URL.
    [ENV.redisUrl]: pulumi.interpolate`rediss://${d.redisHost}:${d.redisPort ?? 6379}`,
    [ENV.redisTls]: "true",
    [ENV.redisAuthSecretArn]: d.secretArns.redisAuth,
    ...databaseEnv(d, d.secretArns.databaseApi),
    [ENV.modelRegistry]: modelRegistryUrl(d.modelBucket),
    [ENV.modelPollSeconds]: String(s.api.modelPollSeconds),
    [ENV.shutdownDrainSeconds]: String(API_DRAIN_SECONDS),
    ...featureEnv(s),
  };
}

export function apiEnv(d: DataStoreEndpoints, s: WorkloadOptions): EnvValues {
  return {
    ...servingEnv(d, s),
    [ENV.apiKeysSecretArn]: d.secretArns.apiKeys,
    [ENV.consoleUsersSecretArn]: d.secretArns.consoleUsers,
    [ENV.rateLimitPerMinute]: String(s.api.rateLimitPerMinute),
    // the saved slow-requests query lists requests above the p99 alert's threshold: the API logs exactly those
    [ENV.slowRequestLogMs]: String(s.monitoring.p99LatencyThresholdMs),
    ...tracingEnv(s.tracing, WORKLOAD_NAMES.api),
  };
}

/** The worker consumes transactions in one consumer group, so replicas share the partitions. */
export function workerEnv(d: DataStoreEndpoints, s: WorkloadOptions): EnvValues {
  return {
    ...servingEnv(d, s),
    [ENV.kafkaBrokers]: d.kafkaBrokers,
    [ENV.kafkaIamAuth]: "true",
    [ENV.kafkaTransactionsTopic]: TOPICS.transactions,
    [ENV.kafkaDecisionsTopic]: TOPICS.decisions,
    [ENV.kafkaGroupId]: "fraud-stream-worker",
    ...tracingEnv(s.tracing, WORKLOAD_NAMES.worker),
  };
}

/** Migrations need only the database: as the master user, creating the workloads' roles from their secrets. */
export function migrateEnv(d: DataStoreEndpoints, s: WorkloadOptions): EnvValues {
  return {
    [ENV.logLevel]: s.logLevel,
    [ENV.awsRegion]: d.region,
    ...databaseEnv(d, d.secretArns.database),
    [ENV.databaseApiRoleSecretArn]: d.secretArns.databaseApi,
    [ENV.databaseTrainerRoleSecretArn]: d.secretArns.databaseTrainer,
  };
}

/** The trainer reads labelled transactions from PostgreSQL and publishes models to the registry. */
export function trainerEnv(d: DataStoreEndpoints, s: WorkloadOptions): EnvValues {
  return {
    [ENV.logLevel]: s.logLevel,
    [ENV.awsRegion]: d.region,
    ...databaseEnv(d, d.secretArns.databaseTrainer),
    [ENV.modelRegistry]: modelRegistryUrl(d.modelBucket),
    ...featureEnv(s),
    ...tracingEnv(s.tracing, WORKLOAD_NAMES.trainer),
  };
}
