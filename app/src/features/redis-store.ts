/**
 * Redis FeatureStore for serving. One Lua script per observe, so reading the point-in-time
 * snapshot and recording the transaction are one atomic step even with many API replicas.
 * Same rules as the in-memory store (see memory-store.ts); a test replays one stream through both.
 *
 * Keys (all under `keyPrefix`, default "fraud:v1:"):
 *   tx:{transactionId}      string, the amount in cents; SET NX for idempotency, TTL idTtlMs
 *   card:{cardId}           zset, score = ts, member = "{cents}:{transactionId}" (unique per tx)
 *   merchant:{merchantId}   zset, score = ts, member = transactionId
 *   mfraud:{merchantId}     zset, score = labelled tx ts, member = "{transactionId}|{knownAt}"
 * After each observe, entries older than 30 days before the newest of the key are removed and the
 * keys get a TTL (keyTtlMs): memory is bounded by 30 days of traffic.
 *
 * The script touches a card key and a merchant key together, so this needs Redis without cluster
 * mode (ElastiCache with cluster mode disabled, which is what infra/ provisions).
 */
import Redis, { type RedisOptions } from "ioredis";
import { amountToCents, DAY_MS, WINDOW_MS } from "./compute";
import type { FeatureStore, FraudLabel, ObserveResult, Transaction } from "./types";

export interface RedisFeatureStoreOptions {
  /** Prefix of every key. Default "fraud:v1:". Use a unique one per test run. */
  readonly keyPrefix?: string;
  /** How long a transactionId is remembered for idempotency. Default 31 days. */
  readonly idTtlMs?: number;
  /** Expiry of card and merchant keys after their last write. Default 31 days. */
  readonly keyTtlMs?: number;
}

export interface RedisClientOptions {
  /**
   * Fail a command that has no reply after this long (ioredis `commandTimeout`), so a request
   * never waits on a stuck Redis longer than its own budget. Default 250 ms.
   */
  readonly commandTimeoutMs?: number;
  /** Default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * Commands issued while disconnected fail at once instead of queueing (ioredis
   * `enableOfflineQueue: false`), so callers can degrade immediately. Default true.
   */
  readonly failFastWhenDisconnected?: boolean;
  /** TLS (ElastiCache in-transit encryption). Default: on for `rediss://` URLs. */
  readonly tls?: boolean;
  /** AUTH token, when not in the URL (from Secrets Manager). */
  readonly password?: string;
}

export const DEFAULT_KEY_PREFIX = "fraud:v1:";
const DEFAULT_TTL_MS = 31 * DAY_MS;

/** An ioredis client configured for a latency-bound caller. The caller owns (and closes) it. */
export function createRedisClient(url: string, options: RedisClientOptions = {}): Redis {
  const tls = options.tls ?? url.startsWith("rediss://");
  const redisOptions: RedisOptions = {
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    enableOfflineQueue: !(options.failFastWhenDisconnected ?? true),
    maxRetriesPerRequest: 1,
    // keep reconnecting in the background, at most every 2 s
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    ...(tls ? { tls: {} } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  };
  return new Redis(url, redisOptions);
}

/**
 * Resolves when the client is connected. Fail-fast clients reject commands until then, so a
 * caller that needs Redis at startup awaits this (one that can run degraded need not).
 */
export function waitReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: unknown;
    const onError = (err: unknown) => (lastError = err);
    const done = (err?: Error) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      client.off("error", onError);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(
      () => done(new Error(`Redis not ready after ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ""}`)),
      timeoutMs,
    );
    client.on("ready", onReady);
    client.on("error", onError);
  });
}

const OBSERVE_LUA = `
local function s(x) return string.format('%.17g', x) end
local t = tonumber(ARGV[1])
local id = ARGV[3]
local w = { tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]) }
local lo = t - w[3]
local fresh = redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[4])
local self_card = nil
if not fresh then
  self_card = redis.call('GET', KEYS[1]) .. ':' .. id
end

local out = { fresh and 1 or 0, 0, 0, 0, 0, 0, 0 }
local card = redis.call('ZRANGEBYSCORE', KEYS[2], s(lo), s(t), 'WITHSCORES')
for i = 1, #card, 2 do
  if card[i] ~= self_card then
    out[#out + 1] = card[i + 1]
    out[#out + 1] = card[i]
  else
    self_card = nil
  end
end

local self_merchant = nil
if not fresh then self_merchant = tonumber(redis.call('ZSCORE', KEYS[3], id)) end
for k = 1, 3 do
  local from = t - w[k]
  local n = redis.call('ZCOUNT', KEYS[3], s(from), s(t))
  if self_merchant and self_merchant >= from and self_merchant <= t then n = n - 1 end
  out[1 + k] = n
end

local frauds = redis.call('ZRANGEBYSCORE', KEYS[4], s(lo), s(t), 'WITHSCORES')
for i = 1, #frauds, 2 do
  local fid, known = string.match(frauds[i], '^(.*)|([^|]*)$')
  if tonumber(known) <= t and (fresh or fid ~= id) then
    local ts = tonumber(frauds[i + 1])
    for k = 1, 3 do
      if ts >= t - w[k] then out[4 + k] = out[4 + k] + 1 end
    end
  end
end

if fresh then
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2] .. ':' .. id)
  redis.call('ZADD', KEYS[3], ARGV[1], id)
  local newest_card = tonumber(redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. s(newest_card - w[3]))
  local newest_merchant = tonumber(redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')[2])
  local floor = '(' .. s(newest_merchant - w[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', floor)
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', floor)
  redis.call('PEXPIRE', KEYS[2], ARGV[5])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
  redis.call('PEXPIRE', KEYS[4], ARGV[5])
end
return out
`;

const LABEL_LUA = `
local prefix = ARGV[2] .. '|'
local members = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
for _, m in ipairs(members) do
  local rest = string.sub(m, #prefix + 1)
  if string.sub(m, 1, #prefix) == prefix and not string.find(rest, '|', 1, true) then
    if tonumber(ARGV[3]) < tonumber(rest) then
      redis.call('ZREM', KEYS[1], m)
      redis.call('ZADD', KEYS[1], ARGV[1], prefix .. ARGV[3])
    end
    return 0
  end
end
redis.call('ZADD', KEYS[1], ARGV[1], prefix .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

interface FeatureCommands {
  fraudObserve(...args: (string | number)[]): Promise<(number | string)[]>;
  fraudLabel(...args: (string | number)[]): Promise<number>;
}

function num(ms: number, what: string): string {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a finite epoch-ms number, got ${ms}`);
  return String(ms);
}

export class RedisFeatureStore implements FeatureStore {
  readonly keyPrefix: string;
  private readonly idTtlMs: number;
  private readonly keyTtlMs: number;
  private readonly commands: FeatureCommands;

  /**
   * Uses `redis` (configure its timeouts with `createRedisClient`). `ownsClient`: close() quits it.
   */
  constructor(
    readonly redis: Redis,
    options: RedisFeatureStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    this.keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
    this.idTtlMs = Math.round(options.idTtlMs ?? DEFAULT_TTL_MS);
    this.keyTtlMs = Math.round(options.keyTtlMs ?? DEFAULT_TTL_MS);
    if (!(this.idTtlMs > 0 && this.keyTtlMs > 0)) throw new RangeError("idTtlMs and keyTtlMs must be > 0");
    if (!("fraudObserve" in redis)) {
      redis.defineCommand("fraudObserve", { numberOfKeys: 4, lua: OBSERVE_LUA });
      redis.defineCommand("fraudLabel", { numberOfKeys: 1, lua: LABEL_LUA });
    }
    this.commands = redis as unknown as FeatureCommands;
  }

  /** A store with its own client (closed by `close()`), once Redis answers; throws if it does not. */
  static async connect(url: string, options: RedisFeatureStoreOptions & RedisClientOptions = {}): Promise<RedisFeatureStore> {
    const client = createRedisClient(url, options);
    try {
      await waitReady(client, options.connectTimeoutMs ?? 2000);
    } catch (err) {
      client.disconnect();
      throw err;
    }
    return new RedisFeatureStore(client, options, true);
  }

  key(kind: "tx" | "card" | "merchant" | "mfraud", id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }

  async observe(tx: Transaction): Promise<ObserveResult> {
    const reply = await this.commands.fraudObserve(
      this.key("tx", tx.transactionId),
      this.key("card", tx.cardId),
      this.key("merchant", tx.merchantId),
      this.key("mfraud", tx.merchantId),
      num(tx.timestamp, "timestamp"),
      amountToCents(tx.amount),
      tx.transactionId,
      this.idTtlMs,
      this.keyTtlMs,
      WINDOW_MS[0],
      WINDOW_MS[1],
      WINDOW_MS[2],
    );
    const cardTimestamps: number[] = [];
    const cardAmountsCents: number[] = [];
    for (let i = 7; i < reply.length; i += 2) {
      cardTimestamps.push(Number(reply[i]));
      const member = String(reply[i + 1]);
      cardAmountsCents.push(Number(member.slice(0, member.indexOf(":"))));
    }
    return {
      duplicate: reply[0] === 0,
      snapshot: {
        cardTimestamps,
        cardAmountsCents,
        merchantCounts: [Number(reply[1]), Number(reply[2]), Number(reply[3])],
        merchantKnownFrauds: [Number(reply[4]), Number(reply[5]), Number(reply[6])],
      },
    };
  }

  async recordFraudLabel(label: FraudLabel): Promise<void> {
    await this.commands.fraudLabel(
      this.key("mfraud", label.merchantId),
      num(label.timestamp, "label timestamp"),
      label.transactionId,
      num(label.knownAt, "label knownAt"),
      this.keyTtlMs,
    );
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
