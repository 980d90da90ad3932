/**
 * Redis FeatureStore for serving. A Lua script reads the point-in-time snapshot and records the
 * transaction as one atomic step even with many API replicas; one script call carries every
 * observe of a batch, or of concurrent requests in one event-loop turn (up to MAX_PER_SCRIPT).
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

// Observes KEYS/4 transactions in order, each exactly as if alone (4 keys and 3 ARGV each, after
// the 5 shared ARGV). Redis calls per fresh transaction: 11, plus a trim or an expiry only where it
// changes something. Whole-set reads are bounded: every write trims its set to 30 days before the
// set's newest entry, so a card (or fraud-label) set holds no more than those 30 days.
const OBSERVE_LUA = `
local function s(x) return string.format('%.17g', x) end
local id_ttl, key_ttl = ARGV[1], ARGV[2]
local w = { tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]) }
local out = {}
for j = 0, #KEYS / 4 - 1 do
  local tx_key, card_key, merchant_key, fraud_key = KEYS[j * 4 + 1], KEYS[j * 4 + 2], KEYS[j * 4 + 3], KEYS[j * 4 + 4]
  local ts, cents, id = ARGV[6 + j * 3], ARGV[7 + j * 3], ARGV[8 + j * 3]
  local t = tonumber(ts)
  local lo = t - w[3]
  local fresh = redis.call('SET', tx_key, cents, 'NX', 'PX', id_ttl)
  local self_card = nil
  if not fresh then self_card = redis.call('GET', tx_key) .. ':' .. id end

  local head = #out
  out[head + 1] = fresh and 1 or 0
  local card = redis.call('ZRANGE', card_key, 0, -1, 'WITHSCORES')
  local n = 0
  for i = 1, #card, 2 do
    local score = tonumber(card[i + 1])
    if score >= lo and score <= t then
      if card[i] ~= self_card then
        out[head + 9 + 2 * n] = card[i + 1]
        out[head + 10 + 2 * n] = card[i]
        n = n + 1
      else
        self_card = nil
      end
    end
  end
  out[head + 8] = n

  local self_merchant = nil
  if not fresh then self_merchant = tonumber(redis.call('ZSCORE', merchant_key, id)) end
  for k = 1, 3 do
    local from = t - w[k]
    local c = redis.call('ZCOUNT', merchant_key, s(from), s(t))
    if self_merchant and self_merchant >= from and self_merchant <= t then c = c - 1 end
    out[head + 1 + k] = c
    out[head + 4 + k] = 0
  end

  local frauds = redis.call('ZRANGE', fraud_key, 0, -1, 'WITHSCORES')
  for i = 1, #frauds, 2 do
    local ts_f = tonumber(frauds[i + 1])
    if ts_f >= lo and ts_f <= t then
      local fid, known = string.match(frauds[i], '^(.*)|([^|]*)$')
      if tonumber(known) <= t and (fresh or fid ~= id) then
        for k = 1, 3 do
          if ts_f >= t - w[k] then out[head + 4 + k] = out[head + 4 + k] + 1 end
        end
      end
    end
  end

  if fresh then
    redis.call('ZADD', card_key, ts, cents .. ':' .. id)
    local newest = t
    if #card > 0 and tonumber(card[#card]) > newest then newest = tonumber(card[#card]) end
    local floor = newest - w[3]
    if t < floor or (#card > 0 and tonumber(card[2]) < floor) then
      redis.call('ZREMRANGEBYSCORE', card_key, '-inf', '(' .. s(floor))
    end
    redis.call('PEXPIRE', card_key, key_ttl)

    local last = redis.call('ZRANGE', merchant_key, -1, -1, 'WITHSCORES')[2]
    redis.call('ZADD', merchant_key, ts, id)
    newest = t
    if last and tonumber(last) > newest then newest = tonumber(last) end
    floor = newest - w[3]
    -- the set was trimmed to (its newest - 30 days) at its last write: only a newer newest or an
    -- entry already out of the window leaves something to remove
    if t < floor or not last or t > tonumber(last) then
      redis.call('ZREMRANGEBYSCORE', merchant_key, '-inf', '(' .. s(floor))
    end
    redis.call('PEXPIRE', merchant_key, key_ttl)
    if #frauds > 0 then
      if tonumber(frauds[2]) < floor then redis.call('ZREMRANGEBYSCORE', fraud_key, '-inf', '(' .. s(floor)) end
      redis.call('PEXPIRE', fraud_key, key_ttl)
    end
  end
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

/** Transactions per observe script call: bounds how long one call holds Redis (~1-2 ms). */
const MAX_PER_SCRIPT = 100;

/** tx, card, merchant and fraud keys, then timestamp, cents, transactionId. */
type ObserveArgs = [string, string, string, string, string, number, string];

interface ObservePending {
  readonly args: ObserveArgs;
  readonly resolve: (r: ObserveResult) => void;
  readonly reject: (err: unknown) => void;
}

const noop = (): void => undefined;

interface FeatureCommands {
  /** numKeys, then the keys and arguments (the key count varies with the batch). */
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
  private pending: ObservePending[] = [];

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
      redis.defineCommand("fraudObserve", { lua: OBSERVE_LUA });
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

  /**
   * Concurrent calls made in the same event-loop turn share one script call (up to
   * MAX_PER_SCRIPT), sent before the loop waits for I/O again: no timer, no added wait. Each
   * transaction is still read and recorded as one atomic step, in call order.
   */
  observe(tx: Transaction): Promise<ObserveResult> {
    const args = this.observeArgs(tx);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(this.flushPending);
      this.pending.push({ args, resolve, reject });
      if (this.pending.length >= MAX_PER_SCRIPT) this.flushPending();
    });
  }

  /** Observes `txs` in order, as that many `observe` calls one after the other would. */
  async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    this.flushPending();
    const calls: Promise<ObserveResult[]>[] = [];
    for (let i = 0; i < txs.length; i += MAX_PER_SCRIPT) {
      const chunk = new Array<ObservePending>(Math.min(MAX_PER_SCRIPT, txs.length - i));
      for (let j = 0; j < chunk.length; j++) chunk[j] = { args: this.observeArgs(txs[i + j]), resolve: noop, reject: noop };
      calls.push(this.run(chunk));
    }
    const parts = await Promise.all(calls);
    return parts.length === 1 ? parts[0] : parts.flat();
  }

  private observeArgs(tx: Transaction): ObserveArgs {
    return [
      this.key("tx", tx.transactionId),
      this.key("card", tx.cardId),
      this.key("merchant", tx.merchantId),
      this.key("mfraud", tx.merchantId),
      num(tx.timestamp, "timestamp"),
      amountToCents(tx.amount),
      tx.transactionId,
    ];
  }

  private readonly flushPending = (): void => {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.run(batch).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };

  /** One script call for `batch`; its failure is every member's failure, as one call each would be. */
  private async run(batch: readonly ObservePending[]): Promise<ObserveResult[]> {
    const n = batch.length;
    const args = new Array<string | number>(n * 7 + 5);
    for (let i = 0; i < n; i++) {
      const a = batch[i].args;
      args[i * 4] = a[0];
      args[i * 4 + 1] = a[1];
      args[i * 4 + 2] = a[2];
      args[i * 4 + 3] = a[3];
      const at = n * 4 + 5 + i * 3;
      args[at] = a[4];
      args[at + 1] = a[5];
      args[at + 2] = a[6];
    }
    args[n * 4] = this.idTtlMs;
    args[n * 4 + 1] = this.keyTtlMs;
    args[n * 4 + 2] = WINDOW_MS[0];
    args[n * 4 + 3] = WINDOW_MS[1];
    args[n * 4 + 4] = WINDOW_MS[2];
    const reply = await this.commands.fraudObserve(n * 4, ...args);
    const results = new Array<ObserveResult>(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const count = Number(reply[at + 7]);
      const cardTimestamps = new Array<number>(count);
      const cardAmountsCents = new Array<number>(count);
      for (let c = 0; c < count; c++) {
        cardTimestamps[c] = Number(reply[at + 8 + 2 * c]);
        const member = String(reply[at + 9 + 2 * c]);
        cardAmountsCents[c] = Number(member.slice(0, member.indexOf(":")));
      }
      results[i] = {
        duplicate: reply[at] === 0,
        snapshot: {
          cardTimestamps,
          cardAmountsCents,
          merchantCounts: [Number(reply[at + 1]), Number(reply[at + 2]), Number(reply[at + 3])],
          merchantKnownFrauds: [Number(reply[at + 4]), Number(reply[at + 5]), Number(reply[at + 6])],
        },
      };
      at += 8 + 2 * count;
    }
    return results;
  }

  async recordFraudLabel(label: FraudLabel): Promise<void> {
    // observes called before this label reach Redis before it, as without coalescing
    this.flushPending();
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
