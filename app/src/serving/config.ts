/**
 * The API's and the stream worker's settings, read once from the environment variables named in
 * the deploy contract (and only those). Every problem is reported at once, with the variable name,
 * so a misconfigured pod fails at start with one readable message instead of at the first request.
 */
import { API_DRAIN_SECONDS, ENV, PORTS } from "../config/deploy-contract";
import { readPostgresSettings, type DatabaseSettings } from "../config/database";
import { EnvReader, type Env } from "../config/env-reader";
import type { FeatureConfig } from "../features/types";
import { LOG_LEVELS, type LogLevel } from "./log";
import { DAY_MS } from "../domain/time";

export interface RedisSettings {
  readonly url: string;
  /** REDIS_TLS=true forces TLS (ElastiCache in-transit encryption); a rediss:// URL implies it. */
  readonly tls: boolean;
  /** Secrets Manager secret holding the Redis AUTH token (plain string or JSON {"authToken": ...}). */
  readonly authSecretArn?: string;
}

export interface Thresholds {
  /** Score at or above which a transaction goes to review. */
  readonly review: number;
  /** Score at or above which a transaction is declined. */
  readonly decline: number;
}

export interface ApiConfig {
  readonly port: number;
  readonly metricsPort: number;
  readonly logLevel: LogLevel;
  readonly awsRegion?: string;
  /** Plain keys from API_KEYS (local runs). Hashed as soon as they are read. */
  readonly apiKeys: readonly string[];
  readonly apiKeysSecretArn?: string;
  /** The console's users as JSON (CONSOLE_USERS, local runs); see app/src/console/users.ts. */
  readonly consoleUsers?: string;
  readonly consoleUsersSecretArn?: string;
  /** Absent: in-process feature store and rate limiter. */
  readonly redis?: RedisSettings;
  readonly database: DatabaseSettings;
  readonly modelRegistry: string;
  readonly modelPollMs: number;
  readonly features: FeatureConfig;
  /** Requests per API key per minute; 0 disables the limit. */
  readonly rateLimitPerMinute: number;
  /** Requests at least this slow are logged (msg "request"). */
  readonly slowRequestLogMs: number;
  readonly batchMax: number;
  /** Body limit, derived from the batch maximum (2 KiB per transaction plus slack). */
  readonly maxBodyBytes: number;
  /** Set only by env: otherwise the model's metadata thresholds apply. */
  readonly thresholds: Partial<Thresholds>;
  readonly shutdownDrainMs: number;
  readonly decisionBufferMax: number;
  readonly featureStoreTimeoutMs: number;
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const r = new EnvReader(env);
  const logLevel = (r.str(ENV.logLevel) ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    r.problems.push(`${ENV.logLevel}=${JSON.stringify(logLevel)}: expected one of ${LOG_LEVELS.join(", ")}`);

  const timezone = r.str(ENV.featureTimezone) ?? "UTC";
  if (!validTimezone(timezone)) r.problems.push(`${ENV.featureTimezone}=${JSON.stringify(timezone)}: not an IANA timezone`);

  const redisUrl = r.str(ENV.redisUrl);
  const redis: RedisSettings | undefined = redisUrl
    ? {
        url: redisUrl,
        tls: r.bool(ENV.redisTls, redisUrl.startsWith("rediss://")),
        authSecretArn: r.str(ENV.redisAuthSecretArn),
      }
    : undefined;
  if (!redisUrl && r.str(ENV.redisAuthSecretArn)) r.problems.push(`${ENV.redisAuthSecretArn} is set but ${ENV.redisUrl} is not`);

  const database: DatabaseSettings = readPostgresSettings(r) ?? { kind: "embedded", dir: "./data/decisions" };

  const review = r.num(ENV.decisionThresholdReview, 0, 1);
  const decline = r.num(ENV.decisionThresholdDecline, 0, 1);
  if (review !== undefined && decline !== undefined && review > decline) {
    r.problems.push(`${ENV.decisionThresholdReview}=${review} must not exceed ${ENV.decisionThresholdDecline}=${decline}`);
  }
  const thresholds: Partial<Thresholds> = {
    ...(review === undefined ? {} : { review }),
    ...(decline === undefined ? {} : { decline }),
  };

  const batchMax = r.int(ENV.batchMax, 1000, 1, 100_000);
  const config: ApiConfig = {
    port: r.int(ENV.port, PORTS.http, 0, 65535),
    metricsPort: r.int(ENV.metricsPort, PORTS.metrics, 0, 65535),
    logLevel,
    awsRegion: r.str(ENV.awsRegion),
    apiKeys: (r.str(ENV.apiKeys) ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
    apiKeysSecretArn: r.str(ENV.apiKeysSecretArn),
    consoleUsers: r.str(ENV.consoleUsers),
    consoleUsersSecretArn: r.str(ENV.consoleUsersSecretArn),
    redis,
    database,
    modelRegistry: r.str(ENV.modelRegistry) ?? "./registry",
    modelPollMs: r.int(ENV.modelPollSeconds, 30, 1, 86_400) * 1000,
    features: { timezone, labelDelayMs: r.int(ENV.labelDelayDays, 7, 0, 365) * DAY_MS },
    rateLimitPerMinute: r.int(ENV.rateLimitPerMinute, 6000, 0, 100_000_000),
    slowRequestLogMs: r.int(ENV.slowRequestLogMs, 250, 1, 600_000),
    batchMax,
    maxBodyBytes: batchMax * 2048 + 4096,
    thresholds,
    shutdownDrainMs: r.int(ENV.shutdownDrainSeconds, API_DRAIN_SECONDS, 1, 3600) * 1000,
    decisionBufferMax: r.int(ENV.decisionBufferMax, 100_000, 1, 10_000_000),
    featureStoreTimeoutMs: r.int(ENV.featureStoreTimeoutMs, 100, 1, 60_000),
  };
  for (const key of config.apiKeys) {
    if (key.length < 16) r.problems.push(`${ENV.apiKeys}: every key must be at least 16 characters (one is ${key.length})`);
  }
  r.done();
  return config;
}

/** For entry points: the settings `load` reads, or every problem on stderr and exit code 2. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}
