/**
 * Everything scoring needs, built from the configuration: the decision log (PostgreSQL or embedded
 * PGlite), the feature store and rate limiter (Redis, or in-process), the model holder and the
 * scorer. Shared by the HTTP API and the stream worker, so both score the same way.
 */
import type Redis from "ioredis";
import { MemoryFeatureStore } from "../features/memory-store";
import { createRedisClient, DEFAULT_KEY_PREFIX, RedisFeatureStore } from "../features/redis-store";
import type { FeatureStore } from "../features/types";
import { openRegistry } from "../registry/open";
import { DecisionLog } from "../store/decision-log";
import type { DecisionRecord } from "../store/decision-record";
import { migrate } from "../store/migrate";
import { openSql } from "../store/open";
import type { SqlClient } from "../store/sql";
import { FeatureBackfill } from "./backfill";
import type { ApiConfig } from "./config";
import { errorMessage, type Logger } from "./log";
import type { Metrics } from "./metrics";
import { ModelHolder, registrySource, type ModelSource } from "./model-holder";
import { LocalRateLimiter, RedisRateLimiter, type RateLimiter } from "./rate-limit";
import { batchDeadlineMs, Scorer } from "./scoring";
import { DriftMonitor } from "./drift-monitor";
import { secretField, secretsManagerReader, type SecretReader } from "../config/secrets";
import { tracedFeatureStore, tracedSql } from "../telemetry/traced";
import { tracingEnabled } from "../telemetry/tracing";

export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  check(): Promise<void>;
}

export interface RuntimeOptions {
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly readSecret?: SecretReader;
  /** Explicit PostgreSQL schema (tests); default: the connection's search_path. */
  readonly schema?: string;
  /** Redis key prefix (tests); default "fraud:v2:". */
  readonly redisKeyPrefix?: string;
  /** Default: the registry at MODEL_REGISTRY. */
  readonly modelSource?: ModelSource;
  /** Wraps the feature store scoring uses (the restore drill records what each transaction read). */
  readonly wrapFeatureStore?: (store: FeatureStore) => FeatureStore;
}

export interface Runtime {
  readonly sql: SqlClient;
  readonly decisions: DecisionLog;
  readonly featureStore: FeatureStore;
  readonly redis: Redis | undefined;
  readonly limiter: RateLimiter | undefined;
  readonly models: ModelHolder;
  readonly scorer: Scorer;
  readonly readiness: ReadinessCheck[];
  /** Resolves once the schema is migrated (at start, or later when PostgreSQL was down then). */
  readonly migrated: Promise<void>;
  /**
   * At shutdown, before `close`: records the degraded transactions in the feature store and
   * writes the decision buffer, until `deadline` (epoch ms). Returns the decisions not written.
   */
  drain(deadline: number): Promise<DecisionRecord[]>;
  /** Closes connections. */
  close(): Promise<void>;
}

/** Logs a repeated error once per interval instead of once per occurrence. */
function throttled(log: Logger, msg: string, intervalMs = 10_000): (err: unknown) => void {
  let last = 0;
  return (err) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log.warn(msg, { error: errorMessage(err) });
  };
}

/**
 * Migrations at start are a no-op when the migration Job ran them (advisory lock, versions table).
 * If PostgreSQL is down now the API still starts (decisions buffer) and keeps trying in the background.
 */
function migrateInBackground(sql: SqlClient, schema: string | undefined, log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const attempt = (delay: number) => {
      migrate(sql, schema).then(
        (r) => {
          if (r.applied.length) log.info("database migrated", { applied: r.applied, schemaVersion: r.current });
          resolve();
        },
        (err: unknown) => {
          log.warn("database migration failed; retrying", { error: errorMessage(err), retryInMs: delay });
          setTimeout(() => attempt(Math.min(delay * 2, 30_000)), delay).unref();
        },
      );
    };
    attempt(1000);
  });
}

export async function createRuntime(cfg: ApiConfig, opts: RuntimeOptions): Promise<Runtime> {
  const { log, metrics } = opts;
  const readSecret = opts.readSecret ?? secretsManagerReader(cfg.awsRegion);

  // spans only when tracing is on: off, the hot path keeps the unwrapped objects
  const sql = tracingEnabled() ? tracedSql(await openSql(cfg.database, readSecret, log)) : await openSql(cfg.database, readSecret, log);
  const migrated = migrateInBackground(sql, opts.schema, log);
  // Embedded: nothing can be written before the tables exist, and nothing stands in the way.
  if (cfg.database.kind === "embedded") await migrated;
  const decisions = new DecisionLog(sql, {
    schema: opts.schema,
    capacity: cfg.decisionBufferMax,
    onStateChange: (healthy, err) =>
      healthy
        ? log.info("decision log writes recovered", { buffered: decisions.buffered })
        : log.error("decision log writes failing; buffering in memory", { error: errorMessage(err), capacity: cfg.decisionBufferMax }),
    onDeadLetter: (decision, err, stored) => {
      metrics.deadLettered.labels(stored ? "table" : "log").inc();
      // not stored anywhere else: logged whole, as the decisions unwritten at shutdown are
      if (stored)
        log.error("decision refused by PostgreSQL: set aside in decisions_dead_letter", {
          transactionId: decision.transactionId,
          error: errorMessage(err),
        });
      else log.error("decision not written", { decision, error: errorMessage(err) });
    },
  });

  let redis: Redis | undefined;
  let featureStore: FeatureStore;
  let limiter: RateLimiter | undefined;
  const local = cfg.rateLimitPerMinute > 0 ? new LocalRateLimiter(cfg.rateLimitPerMinute) : undefined;
  if (cfg.redis) {
    const password = cfg.redis.authSecretArn ? secretField(await readSecret(cfg.redis.authSecretArn), "authToken", "password") : undefined;
    // The scorer enforces the per-request deadline; the client's own timeout only has to outlast the largest batch's.
    redis = createRedisClient(cfg.redis.url, {
      commandTimeoutMs: batchDeadlineMs(cfg.featureStoreTimeoutMs, cfg.batchMax),
      tls: cfg.redis.tls,
      password,
    });
    redis.on("error", throttled(log, "redis connection error"));
    featureStore = new RedisFeatureStore(redis, {
      keyPrefix: opts.redisKeyPrefix ?? DEFAULT_KEY_PREFIX,
      labelDelayMs: cfg.features.labelDelayMs,
    });
    if (local) {
      limiter = new RedisRateLimiter(
        redis,
        cfg.rateLimitPerMinute,
        opts.redisKeyPrefix ?? DEFAULT_KEY_PREFIX,
        local,
        throttled(log, "rate limiter: redis failed, limiting per replica"),
      );
    }
    log.info("feature store: Redis", { tls: cfg.redis.tls });
  } else {
    featureStore = new MemoryFeatureStore({ labelDelayMs: cfg.features.labelDelayMs });
    limiter = local;
    log.info("feature store: in-process (set REDIS_URL for Redis)");
  }

  if (tracingEnabled()) featureStore = tracedFeatureStore(featureStore);
  if (opts.wrapFeatureStore) featureStore = opts.wrapFeatureStore(featureStore);
  // as many as the decision buffer: both hold what an outage leaves in memory
  const backfill = redis
    ? new FeatureBackfill(featureStore, {
        capacity: cfg.decisionBufferMax,
        onDrop: (n) => metrics.backfillDropped.inc(n),
        onError: throttled(log, "feature-store backfill failed; retrying when the store answers"),
      })
    : undefined;
  metrics.sizesFrom({ decisionBuffer: () => decisions.buffered, featureBackfill: () => backfill?.size ?? 0 });

  const models = new ModelHolder(
    opts.modelSource ?? registrySource(openRegistry(cfg.modelRegistry)),
    cfg.thresholds,
    cfg.features,
    metrics,
    log,
  );
  const drift = new DriftMonitor();
  metrics.driftFrom(() => drift.snapshot());
  const scorer = new Scorer({
    featureStore,
    decisions,
    models,
    metrics,
    features: cfg.features,
    featureStoreTimeoutMs: cfg.featureStoreTimeoutMs,
    log,
    backfill,
    drift,
  });

  const readiness: ReadinessCheck[] = [{ name: "postgres", check: () => decisions.ping() }];
  const r = redis;
  if (r) readiness.push({ name: "redis", check: async () => void (await r.ping()) });

  return {
    sql,
    decisions,
    featureStore,
    redis,
    limiter,
    models,
    scorer,
    readiness,
    migrated,
    async drain(deadline) {
      if (backfill?.size && !(await backfill.flush(deadline))) {
        log.warn("degraded transactions not recorded in the feature store at shutdown", { count: backfill.size });
        metrics.backfillDropped.inc(backfill.size);
      }
      return decisions.drain(deadline);
    },
    async close() {
      models.stop();
      await decisions.close().catch(() => undefined);
      await featureStore.close().catch(() => undefined);
      redis?.disconnect();
    },
  };
}
