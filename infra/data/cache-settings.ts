/** Pure decisions for ElastiCache: parameter group family, eviction policy and alarm thresholds. */

/**
 * What Redis does when it reaches maxmemory: evict the keys closest to expiring (`volatile-ttl`).
 * Every key the platform writes has a TTL: rate-limit windows (about a minute) and card, merchant
 * and label keys (a day past the longest window, 39 days by default; a card key also holds the ids
 * of its transactions of that time, for idempotency). Under memory pressure the rate-limit
 * counters go first, then the keys of cards and merchants idle for weeks. The LRU policies
 * (`volatile-lru`, the ElastiCache default) would evict fresh label states early: each is written
 * once and read again only when a later report of the same transaction arrives, so it looks least
 * recently used long before its TTL, and losing it lets a late report undo a newer one.
 * `noeviction` would make every write fail with OOM, so every transaction would be scored without
 * features. If nothing with a TTL remained, writes would fail anyway (OOM): the memory alarm below
 * fires well before that. PostgreSQL, not Redis, is the record of decisions.
 */
export const MAXMEMORY_POLICY = "volatile-ttl";

/** DatabaseMemoryUsagePercentage at or above which the memory alarm fires (of maxmemory, not of the node). */
export const MEMORY_ALARM_PERCENT = 80;

/** `7.1` -> `redis7`; `6.2` -> `redis6.x` (the ElastiCache parameter group family names). */
export function parameterGroupFamily(engineVersion: string): string {
  const m = /^(\d+)\.\d+$/.exec(engineVersion);
  if (!m) throw new Error(`Redis engine version ${JSON.stringify(engineVersion)}: expected major.minor`);
  const major = Number(m[1]);
  if (major < 6) throw new Error(`Redis engine version ${engineVersion}: 6.x or later is required (AUTH with TLS, ROTATE)`);
  return major === 6 ? "redis6.x" : `redis${major}`;
}

/**
 * Member cluster ids of a cluster-mode-disabled replication group: ElastiCache names the nodes
 * `<group>-001`, `<group>-002`, ... (their metrics are per node, CacheClusterId).
 */
export function memberClusterIds(replicationGroupId: string, nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, "0")}`);
}
