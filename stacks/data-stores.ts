/**
 * The data stores' stack settings: `streaming` (MSK), `cache` (ElastiCache Redis) and `database`
 * (RDS PostgreSQL), each read from its section of `Pulumi.<stack>.yaml` with the components'
 * documented defaults (settings.ts assembles every section).
 */
import { CACHE_DEFAULTS, type CacheArgs } from "../infra/data/cache";
import { DATABASE_DEFAULTS, type DatabaseArgs } from "../infra/data/database";
import type { DatabaseRestore } from "../infra/data/restore";
import { STREAMING_DEFAULTS, type StreamingArgs } from "../infra/data/streaming";
import { databaseRestore } from "./restore";
import type { SectionReader } from "./validate";

/** Performance Insights retention: 7 days is free, longer is billed by the month (31-day steps). */
export const PI_RETENTION_DAYS = [
  7, 31, 62, 93, 124, 155, 186, 217, 248, 279, 310, 341, 372, 403, 434, 465, 496, 527, 558, 589, 620, 651, 682, 713, 731,
] as const;

export type StreamingSettings = Required<Pick<StreamingArgs, "kafkaVersion" | "brokerInstanceType" | "brokersPerAz" | "brokerStorageGiB">>;

export type CacheSettings = Required<Pick<CacheArgs, "engineVersion" | "nodeType" | "nodes" | "multiAz" | "snapshotRetentionDays">>;

export type DatabaseSettings = Required<
  Omit<
    DatabaseArgs,
    | "vpcId"
    | "subnetIds"
    | "clientSecurityGroupId"
    | "dataKeyArn"
    | "secretsKeyArn"
    | "logsKeyArn"
    | "logRetentionDays"
    | "namePrefix"
    | "restore"
  >
> & {
  /** `database.restore`: absent for a database created empty (stacks/restore.ts validates it). */
  readonly restore?: DatabaseRestore;
};

export function streaming(s: SectionReader): StreamingSettings {
  return {
    kafkaVersion: s.string("kafkaVersion", { pattern: /^\d+\.\d+\.(\d+|x)$/, describe: "an MSK Kafka version such as 3.8.x" }),
    brokerInstanceType: s.string("brokerInstanceType", {
      pattern: /^kafka\.[a-z0-9]+\.[a-z0-9]+$/,
      describe: "an MSK broker type such as kafka.m7g.large",
    }),
    brokersPerAz: s.int("brokersPerAz", { min: 1, max: 10, default: STREAMING_DEFAULTS.brokersPerAz }),
    brokerStorageGiB: s.int("brokerStorageGiB", { min: 1, max: 16384 }),
  };
}

export function cache(s: SectionReader): CacheSettings {
  const nodes = s.int("nodes", { min: 1, max: 6 });
  const multiAz = s.bool("multiAz");
  if (multiAz && nodes < 2) s.problem("nodes", nodes, "at least 2 when multiAz is true (failover needs a replica)");
  return {
    engineVersion: s.string("engineVersion", {
      default: CACHE_DEFAULTS.engineVersion,
      pattern: /^\d+\.\d+$/,
      describe: "a Redis OSS major.minor version such as 7.1",
    }),
    nodeType: s.string("nodeType", {
      pattern: /^cache\.[a-z0-9]+\.[a-z0-9]+$/,
      describe: "an ElastiCache node type such as cache.r7g.large",
    }),
    nodes,
    multiAz,
    snapshotRetentionDays: s.int("snapshotRetentionDays", { min: 0, max: 35, default: CACHE_DEFAULTS.snapshotRetentionDays }),
  };
}

export function database(s: SectionReader): DatabaseSettings {
  const allocatedStorageGiB = s.int("allocatedStorageGiB", { min: 20, max: 65536 });
  const maxAllocatedStorageGiB = s.int("maxAllocatedStorageGiB", { min: 20, max: 65536 });
  if (maxAllocatedStorageGiB < allocatedStorageGiB)
    s.problem("maxAllocatedStorageGiB", maxAllocatedStorageGiB, `at least allocatedStorageGiB (${allocatedStorageGiB})`);
  return {
    engineVersion: s.string("engineVersion", {
      pattern: /^1[4-9](\.\d+)?$/,
      describe: "a PostgreSQL version from 14 to 19, e.g. 16 or 16.4",
    }),
    instanceClass: s.string("instanceClass", {
      pattern: /^db\.[a-z0-9]+\.[a-z0-9]+$/,
      describe: "an RDS instance class such as db.r7g.large",
    }),
    allocatedStorageGiB,
    maxAllocatedStorageGiB,
    multiAz: s.bool("multiAz"),
    deletionProtection: s.bool("deletionProtection"),
    // 0 would disable automated backups (and point-in-time recovery): never allowed.
    backupRetentionDays: s.int("backupRetentionDays", { min: 1, max: 35 }),
    performanceInsightsRetentionDays: s.intOneOf(
      "performanceInsightsRetentionDays",
      PI_RETENTION_DAYS,
      DATABASE_DEFAULTS.performanceInsightsRetentionDays,
    ),
    restore: databaseRestore(s.section("restore")),
  };
}
