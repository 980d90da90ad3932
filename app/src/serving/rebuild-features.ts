/**
 * Rebuilds the Redis feature state the API and the worker read from the decision log in
 * PostgreSQL (features/rebuild.ts): after Redis lost its data, or a layout change started from an
 * empty prefix. Writes through RedisFeatureStore, the serving code, so whatever the key layout, the
 * state is the one the scoring path would have built.
 */
import type Redis from "ioredis";
import { Client } from "pg";
import { pgConnectionConfig, type PostgresSettings } from "../config/database";
import { secretField, type SecretReader } from "../config/secrets";
import { historyReachMs, rebuildFeatures, type RebuildCounts } from "../features/rebuild";
import { DEFAULT_KEY_PREFIX, RedisFeatureStore } from "../features/redis-store";
import { newestDecisionAt, readLogEvents } from "../store/log-events";
import type { RedisSettings } from "./config";
import type { Logger } from "./log";

export interface FeatureRebuildOptions {
  readonly database: PostgresSettings;
  readonly redis: RedisSettings;
  readonly readSecret: SecretReader;
  readonly labelDelayMs: number;
  /** Default: the serving prefix. */
  readonly keyPrefix?: string;
  /** Explicit PostgreSQL schema (tests); default: the search_path. */
  readonly schema?: string;
  /**
   * First transaction time replayed (epoch ms); "all" for the whole log. Default: the newest logged
   * transaction minus what any window can still reach (historyReachMs): older events change no read.
   */
  readonly since?: number | "all";
  /** Delete every key under the prefix first (the store keeps nothing that is not rebuilt). Default false. */
  readonly flush?: boolean;
  readonly log: Logger;
}

export interface FeatureRebuildResult extends RebuildCounts {
  /** ISO time of the first transaction replayed, or null for the whole log. */
  readonly since: string | null;
  readonly flushedKeys: number;
  readonly seconds: number;
}

/** Deletes the keys under `prefix` (SCAN, not KEYS: Redis keeps serving meanwhile). Returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let deleted = 0;
  let cursor = "0";
  do {
    // a few ms of Redis per call even on a keyspace of millions, and a tenth of the round trips of 1000
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 10_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== "0");
  return deleted;
}

export async function runFeatureRebuild(o: FeatureRebuildOptions): Promise<FeatureRebuildResult> {
  const started = performance.now();
  const pg = new Client(await pgConnectionConfig(o.database, o.readSecret));
  await pg.connect();
  let store: RedisFeatureStore | undefined;
  try {
    // as the API reads it: a plain token or JSON {"authToken": ...}
    const password = o.redis.authSecretArn ? secretField(await o.readSecret(o.redis.authSecretArn), "authToken", "password") : undefined;
    store = await RedisFeatureStore.connect(o.redis.url, {
      keyPrefix: o.keyPrefix ?? DEFAULT_KEY_PREFIX,
      labelDelayMs: o.labelDelayMs,
      tls: o.redis.tls,
      ...(password === undefined ? {} : { password }),
      // a batch job: commands queue through a reconnect and may take long under load
      commandTimeoutMs: 60_000,
      failFastWhenDisconnected: false,
    });
    let since: number | undefined;
    if (o.since === "all") since = undefined;
    else if (o.since !== undefined) since = o.since;
    else {
      const newest = await newestDecisionAt(pg, o.schema);
      since = newest === undefined ? undefined : newest - historyReachMs(o.labelDelayMs);
    }
    const flushedKeys = o.flush ? await deletePrefix(store.redis, store.keyPrefix) : 0;
    o.log.info("feature rebuild started", {
      since: since === undefined ? null : new Date(since).toISOString(),
      keyPrefix: store.keyPrefix,
      flushedKeys,
    });
    let lastReport = performance.now();
    const counts = await rebuildFeatures(readLogEvents(pg, { schema: o.schema, since }), store, {
      onProgress: (c) => {
        if (performance.now() - lastReport < 10_000) return;
        lastReport = performance.now();
        o.log.info("feature rebuild progress", { ...c });
      },
    });
    return {
      ...counts,
      since: since === undefined ? null : new Date(since).toISOString(),
      flushedKeys,
      seconds: Math.round(performance.now() - started) / 1000,
    };
  } finally {
    await store?.close();
    await pg.end().catch(() => undefined);
  }
}
