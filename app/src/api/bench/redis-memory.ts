/** The Redis memory of a run's keys, reported per key kind and entity, and their removal after the run. */

import Redis from "ioredis";
import { DEFAULT_KEY_PREFIX } from "../../features/redis-store";
import { RUN } from "./transactions";

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? NaN);
}

/** Keys of a kind measured one by one with MEMORY USAGE; past this many, a uniform sample of them. */
const MEMORY_SAMPLE_PER_KIND = 20_000;

/**
 * The entities keys belong to, recognised by the ids the bench makes (see transaction()) rather
 * than by key kind, so that the report follows whatever kinds the store uses.
 */
const ENTITY_IDS: readonly { entity: string; id: RegExp }[] = [
  { entity: "card", id: new RegExp(`${RUN}-card-\\d+`) },
  { entity: "merchant", id: new RegExp(`${RUN}-m-\\d+`) },
  { entity: "transaction", id: new RegExp(`${RUN}-\\d+`) },
];

interface KindMemory {
  entity: string;
  keys: number;
  /** Reservoir sample of the kind's keys (all of them up to MEMORY_SAMPLE_PER_KIND). */
  sample: string[];
  bytes: number;
}

/**
 * Redis memory of this run's keys by kind (the key's first segment after the store's prefix) and
 * per card, merchant and transaction, and used_memory before the run and now. Kinds are those the
 * store wrote, whatever they are; each is attributed to the entity whose ids its keys carry.
 */
export async function reportRedisMemory(redis: Redis, usedBefore: number): Promise<void> {
  const prefix = DEFAULT_KEY_PREFIX;
  const kinds = new Map<string, KindMemory>();
  const ids = new Map<string, Set<string>>();
  /** Keys under the prefix without this run's ids: the rate limiter's leases, other clients. */
  const others = new Map<string, number>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = next;
    for (const key of keys) {
      const kind = key.slice(prefix.length).split(":")[0];
      if (!key.includes(`${RUN}-`)) {
        others.set(kind, (others.get(kind) ?? 0) + 1);
        continue;
      }
      const carried: [string, string][] = [];
      for (const { entity, id } of ENTITY_IDS) {
        const m = id.exec(key);
        if (m) carried.push([entity, m[0]]);
      }
      const entity = carried.map(([e]) => e).join("+") || "none";
      const k = kinds.get(kind) ?? { entity, keys: 0, sample: [], bytes: 0 };
      kinds.set(kind, k);
      // a kind whose keys carry different ids is no one entity's
      if (k.entity !== entity) k.entity = "mixed";
      k.keys++;
      if (k.sample.length < MEMORY_SAMPLE_PER_KIND) k.sample.push(key);
      else {
        const j = Math.floor(Math.random() * k.keys);
        if (j < MEMORY_SAMPLE_PER_KIND) k.sample[j] = key;
      }
      if (carried.length === 1) {
        const [e, id] = carried[0];
        if (!ids.has(e)) ids.set(e, new Set());
        ids.get(e)!.add(id);
      }
    }
  } while (cursor !== "0");

  for (const k of kinds.values()) {
    let sampled = 0;
    let measured = 0;
    for (let i = 0; i < k.sample.length; i += 1000) {
      const pipeline = redis.pipeline();
      for (const key of k.sample.slice(i, i + 1000)) pipeline.memory("USAGE", key, "SAMPLES", 0);
      for (const [err, bytes] of (await pipeline.exec()) ?? []) {
        // a key that expired since the SCAN answers null
        if (!err && typeof bytes === "number") {
          sampled++;
          measured += bytes;
        }
      }
    }
    k.bytes = sampled === 0 ? 0 : (measured / sampled) * k.keys;
  }

  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(`Redis memory of this run's keys under "${prefix}" (MEMORY USAGE key SAMPLES 0, after the API stopped, before the cleanup):`);
  console.log(`  ${"kind".padEnd(14)} ${"entity".padEnd(12)} ${"keys".padStart(9)} ${"bytes".padStart(12)} ${"bytes/key".padStart(10)}`);
  for (const [kind, k] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
    const sampled = k.keys > k.sample.length ? `  (estimated from a uniform sample of ${k.sample.length} keys)` : "";
    console.log(
      `  ${kind.padEnd(14)} ${k.entity.padEnd(12)} ${String(k.keys).padStart(9)} ${k.bytes.toFixed(0).padStart(12)} ${(k.bytes / k.keys).toFixed(1).padStart(10)}${sampled}`,
    );
  }
  for (const { entity } of ENTITY_IDS) {
    const of = [...kinds].filter(([, k]) => k.entity === entity);
    const n = ids.get(entity)?.size ?? 0;
    if (of.length === 0 || n === 0) continue;
    const bytes = of.reduce((sum, [, k]) => sum + k.bytes, 0);
    console.log(`  per ${entity}: ${(bytes / n).toFixed(0)} bytes (${of.map(([kind]) => kind).join(", ")} over ${n} distinct ${entity}s)`);
  }
  if (others.size > 0) {
    console.log(
      `  not counted, under the prefix without this run's ids: ${[...others].map(([kind, n]) => `${kind} ${n}`).join(", ")} keys`,
    );
  }
  const usedAfter = await usedMemory(redis);
  console.log(
    `Redis used_memory: before the runs ${mb(usedBefore)}, after ${mb(usedAfter)} (${usedAfter >= usedBefore ? "+" : ""}${mb(usedAfter - usedBefore)}; ` +
      `the whole server: this run's keys, their overhead and anything else on it)`,
  );
}

/** Removes this run's keys (the API writes under the default prefix; every id carries RUN). */
export async function cleanRedis(url: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = "0";
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `*${RUN}*`, "COUNT", 5000);
    if (keys.length) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
  console.log(`bench:api: removed ${removed} Redis keys of this run`);
}
