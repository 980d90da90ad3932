/**
 * Redis FeatureStore for serving. A Lua script reads the point-in-time snapshot and records the
 * transaction as one atomic step even with many API replicas; one script call carries up to
 * MAX_PER_SCRIPT observes of an `observeMany` (a batch, or the scorer's concurrent requests).
 * Same rules as the in-memory store (see memory-store.ts); a test replays one stream through both.
 *
 * Keys (all under `keyPrefix`, default "fraud:v2:"):
 *   tx:{transactionId}      string, the transaction's card record then its card key; SET NX for
 *                           idempotency, TTL idTtlMs
 *   card:{cardId}           string of 16-byte records (timestamp, cents: little-endian doubles) in
 *                           arrival order; appended to, returned whole
 *   merchant:{merchantId}   zset, score = ts, member = transactionId
 *   mfraud:{merchantId}     zset, score = labelled tx ts, member = "{transactionId}|{knownAt}"
 *   mfraudknown:{merchantId} zset, the same labels: score = knownAt, member = "{transactionId}|{ts}"
 *   label:{transactionId}   string "{knownAt} fraud|legit", the label standing (orders late reports)
 * A card is one string rather than a sorted set because the script's cost was in reading a card's
 * history entry by entry (measured ~0.27 us per entry in Lua, plus a reply element each that the
 * API parsed): the string is copied out whole and decoded here. Its stale records are cut from
 * the front as the card is written; records behind a newer one (late arrivals) may stay longer,
 * which `cardHistory` discounts exactly as trimming would have. Merchants stay sorted sets: a busy
 * merchant's 30 days are too many to copy per transaction, and ZCOUNT answers a window in O(log n).
 * Keys get a TTL (keyTtlMs) at each write: memory is bounded by about 30 days of traffic.
 *
 * The script touches a card key and a merchant key together, so this needs Redis without cluster
 * mode (ElastiCache with cluster mode disabled, which is what infra/ provisions).
 */
import Redis, { type RedisOptions } from "ioredis";
import { amountToCents, DAY_MS, MAX_WINDOW_MS, WINDOW_MS } from "./compute";
import type { FeatureStore, FraudLabel, HistorySnapshot, ObserveResult, Transaction } from "./types";

export interface RedisFeatureStoreOptions {
  /** Prefix of every key. Default "fraud:v2:". Use a unique one per test run. */
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

export const DEFAULT_KEY_PREFIX = "fraud:v2:";
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

// Observes KEYS/5 transactions in order, each exactly as if alone (5 keys and, after 3 shared ARGV,
// one ARGV each: "timestamp from1 from7 from30 cents transactionId", the starts of its 1, 7 and
// 30-day windows space-separated, the id last so that it may hold anything). One argument rather
// than six: ioredis spends about 0.25 us per argument of a command, and Redis builds an object each.
// Replies one string per transaction: a REPLY_HEADER_BYTES header (fresh 1/0; the merchant's counts
// and known frauds in the 3 windows and the card string's length, little-endian int32s), the card
// string as it was before this transaction, then for a duplicate the value of its tx key. One
// element rather than nine: building and parsing reply elements cost Redis and the API per element.
// Numbers go to Redis as the strings the caller formatted: formatting doubles in Lua (and parsing
// scores back) was a tenth of the script's time in a profile. The merchant's windows start no
// earlier than 30 days before its newest entry, as if its set were trimmed on every write: only a
// late transaction (one with a newer entry) reads that newest.
const OBSERVE_LUA = `
local id_ttl, key_ttl, w30 = ARGV[1], ARGV[2], tonumber(ARGV[3])
local pack, unpack = struct.pack, struct.unpack
local function s(x) return string.format('%.17g', x) end
local out = {}
for j = 0, #KEYS / 5 - 1 do
  local tx_key, card_key, merchant_key, fraud_key, known_key = KEYS[j * 5 + 1], KEYS[j * 5 + 2], KEYS[j * 5 + 3], KEYS[j * 5 + 4], KEYS[j * 5 + 5]
  local ts, from1, from7, from30, cents, id = string.match(ARGV[4 + j], '^(%S+) (%S+) (%S+) (%S+) (%S+) (.*)$')
  local from = { from1, from7, from30 }
  local t = tonumber(ts)
  local rec = pack('<dd', t, tonumber(cents))
  local fresh = redis.call('SET', tx_key, rec .. card_key, 'NX', 'PX', id_ttl)
  local card = redis.call('GET', card_key) or ''
  local self_tx, self_m = '', nil
  if not fresh then
    self_tx = redis.call('GET', tx_key)
    self_m = tonumber(redis.call('ZSCORE', merchant_key, id))
  end

  local newest = t
  if redis.call('ZCOUNT', merchant_key, '(' .. ts, '+inf') > 0 then
    newest = tonumber(redis.call('ZRANGE', merchant_key, -1, -1, 'WITHSCORES')[2])
    for k = 1, 3 do
      if tonumber(from[k]) < newest - w30 then from[k] = s(newest - w30) end
    end
  end
  local counts = { 0, 0, 0 }
  for k = 1, 3 do
    local c = redis.call('ZCOUNT', merchant_key, from[k], ts)
    if self_m and self_m >= tonumber(from[k]) and self_m <= t then c = c - 1 end
    counts[k] = c
  end
  -- Known frauds: labels in each window (ZCOUNT on the set by transaction time) less those known
  -- only after t (the set by knownAt, read from t on: in live traffic labels arrive once known, so
  -- that read is short). Cost grows with the labels not yet known, not with all labels.
  local f = { 0, 0, 0 }
  local labelled = redis.call('ZCOUNT', fraud_key, from[3], ts) > 0
  if labelled and fresh then
    local lo = { tonumber(from[1]), tonumber(from[2]), tonumber(from[3]) }
    f[3] = redis.call('ZCOUNT', fraud_key, from[3], ts)
    f[2] = redis.call('ZCOUNT', fraud_key, from[2], ts)
    f[1] = redis.call('ZCOUNT', fraud_key, from[1], ts)
    local later = redis.call('ZRANGEBYSCORE', known_key, '(' .. ts, '+inf')
    for i = 1, #later do
      local ts_f = tonumber(string.match(later[i], '|([^|]*)$'))
      for k = 1, 3 do
        if ts_f >= lo[k] and ts_f <= t then f[k] = f[k] - 1 end
      end
    end
  elseif labelled then
    -- a duplicate leaves out its own label: read the window's labels one by one (rare)
    local lo = { tonumber(from[1]), tonumber(from[2]), tonumber(from[3]) }
    local frauds = redis.call('ZRANGEBYSCORE', fraud_key, from[3], ts, 'WITHSCORES')
    for i = 1, #frauds, 2 do
      local fid, known = string.match(frauds[i], '^(.*)|([^|]*)$')
      if tonumber(known) <= t and fid ~= id then
        local ts_f = tonumber(frauds[i + 1])
        for k = 1, 3 do
          if ts_f >= lo[k] then f[k] = f[k] + 1 end
        end
      end
    end
  end
  out[j + 1] = pack('<Biiiiiii', fresh and 1 or 0, counts[1], counts[2], counts[3], f[1], f[2], f[3], #card) .. card .. self_tx

  if fresh then
    -- cut the card's stale records from the front (amortised O(1)), then append this one
    local cut = t - w30
    if #card >= 16 and unpack('<d', card) < cut then
      local at = 17
      while at <= #card and unpack('<d', card, at) < cut do at = at + 16 end
      card = string.sub(card, at)
    end
    redis.call('SET', card_key, card .. rec, 'PX', key_ttl)

    redis.call('ZADD', merchant_key, ts, id)
    if newest == t then
      -- a new newest: what falls out of its 30 days goes (older entries went at earlier writes)
      redis.call('ZREMRANGEBYSCORE', merchant_key, '-inf', '(' .. from30)
    end
    redis.call('PEXPIRE', merchant_key, key_ttl)
    if labelled then
      -- labels of transactions more than 30 days before the newest are never read again, nor are
      -- knownAt times that far back (no readable window starts before them)
      if newest == t then
        redis.call('ZREMRANGEBYSCORE', fraud_key, '-inf', '(' .. from30)
        redis.call('ZREMRANGEBYSCORE', known_key, '-inf', '(' .. from30)
      end
      redis.call('PEXPIRE', fraud_key, key_ttl)
      redis.call('PEXPIRE', known_key, key_ttl)
    end
  end
end
return out
`;

/** Bytes before the card string in a transaction's reply: fresh (1 byte), then 7 int32s. */
const REPLY_HEADER_BYTES = 29;
/** Bytes per card record: timestamp and cents, little-endian doubles. */
const RECORD_BYTES = 16;

// A label report (fraud or legit) for one transaction. KEYS: the merchant's labels by transaction
// time, the same labels by knownAt, the transaction's label state ("{knownAt} {kind}" of the label
// standing). ARGV: the transaction's timestamp, its id, knownAt, the key TTL, "fraud" or "legit".
// Reports apply in knownAt order (see FeatureStore.recordFraudLabel): one known no later than the
// standing label changes nothing, at equal times legit stands. Returns 1 when it applied.
const LABEL_LUA = `
local ts, id, known, ttl, kind = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local state = redis.call('GET', KEYS[3])
if state then
  local was_known, was = string.match(state, '^(%S+) (%a+)$')
  local a, b = tonumber(known), tonumber(was_known)
  if a < b or (a == b and (kind == was or kind == 'fraud')) then return 0 end
  if was == 'fraud' then
    redis.call('ZREM', KEYS[1], id .. '|' .. was_known)
    redis.call('ZREM', KEYS[2], id .. '|' .. ts)
  end
end
redis.call('SET', KEYS[3], known .. ' ' .. kind, 'PX', ttl)
if kind == 'fraud' then
  redis.call('ZADD', KEYS[1], ts, id .. '|' .. known)
  redis.call('ZADD', KEYS[2], known, id .. '|' .. ts)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 1
`;

/**
 * The card part of the snapshot at `t` from the card string: records in [t - 30 days, t], none
 * older than 30 days before the card's newest (what trimming on every write would have left), and
 * without `own` (a duplicate's first record) once.
 */
export function cardHistory(t: number, card: Buffer, own?: Buffer): Pick<HistorySnapshot, "cardTimestamps" | "cardAmountsCents"> {
  const records = Math.floor(card.length / RECORD_BYTES);
  let newest = -Infinity;
  for (let r = 0; r < records; r++) newest = Math.max(newest, card.readDoubleLE(r * RECORD_BYTES));
  const from = Math.max(t, newest) - MAX_WINDOW_MS;
  let ownTs = own ? own.readDoubleLE(0) : Number.NaN;
  const ownCents = own ? own.readDoubleLE(8) : Number.NaN;
  const cardTimestamps: number[] = [];
  const cardAmountsCents: number[] = [];
  for (let r = 0; r < records; r++) {
    const ts = card.readDoubleLE(r * RECORD_BYTES);
    if (ts < from || ts > t) continue;
    const cents = card.readDoubleLE(r * RECORD_BYTES + 8);
    if (ts === ownTs && cents === ownCents) {
      ownTs = Number.NaN;
      continue;
    }
    cardTimestamps.push(ts);
    cardAmountsCents.push(cents);
  }
  return { cardTimestamps, cardAmountsCents };
}

/** Transactions per observe script call: bounds how long one call holds Redis (~1-2 ms). */
const MAX_PER_SCRIPT = 100;

/** One transaction's keys and arguments for the observe script. */
interface ObserveArgs {
  readonly keys: readonly [tx: string, card: string, merchant: string, fraud: string, fraudKnown: string];
  readonly t: number;
  readonly cents: number;
  readonly id: string;
}

/** One transaction's reply from the observe script (see OBSERVE_LUA). */
function decodeObserveReply(r: Buffer, args: ObserveArgs): ObserveResult {
  const duplicate = r[0] === 0;
  const cardEnd = REPLY_HEADER_BYTES + r.readInt32LE(25);
  // a duplicate leaves out its own record, if it was recorded on this card
  const self = r.subarray(cardEnd);
  const own = duplicate && self.length >= RECORD_BYTES && self.toString("utf8", RECORD_BYTES) === args.keys[1] ? self : undefined;
  return {
    duplicate,
    snapshot: {
      ...cardHistory(args.t, r.subarray(REPLY_HEADER_BYTES, cardEnd), own),
      merchantCounts: [r.readInt32LE(1), r.readInt32LE(5), r.readInt32LE(9)],
      merchantKnownFrauds: [r.readInt32LE(13), r.readInt32LE(17), r.readInt32LE(21)],
    },
  };
}

interface FeatureCommands {
  /** numKeys, then the keys and arguments (the key count varies with the batch). */
  fraudObserveBuffer(...args: (string | number)[]): Promise<Buffer[]>;
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
    if (!("fraudObserveBuffer" in redis)) {
      redis.defineCommand("fraudObserve", { lua: OBSERVE_LUA });
      redis.defineCommand("fraudLabel", { numberOfKeys: 3, lua: LABEL_LUA });
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

  key(kind: "tx" | "card" | "merchant" | "mfraud" | "mfraudknown" | "label", id: string): string {
    return `${this.keyPrefix}${kind}:${id}`;
  }

  async observe(tx: Transaction): Promise<ObserveResult> {
    return (await this.run([this.observeArgs(tx)]))[0];
  }

  /**
   * Observes `txs` in order, as that many `observe` calls one after the other would: one script
   * call per MAX_PER_SCRIPT transactions (the scorer gathers concurrent requests into one call).
   */
  async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    const calls: Promise<ObserveResult[]>[] = [];
    for (let i = 0; i < txs.length; i += MAX_PER_SCRIPT) {
      const chunk = new Array<ObserveArgs>(Math.min(MAX_PER_SCRIPT, txs.length - i));
      for (let j = 0; j < chunk.length; j++) chunk[j] = this.observeArgs(txs[i + j]);
      calls.push(this.run(chunk));
    }
    const parts = await Promise.all(calls);
    return parts.length === 1 ? parts[0] : parts.flat();
  }

  private observeArgs(tx: Transaction): ObserveArgs {
    if (!Number.isFinite(tx.timestamp)) throw new RangeError(`timestamp must be a finite epoch-ms number, got ${tx.timestamp}`);
    return {
      keys: [
        this.key("tx", tx.transactionId),
        this.key("card", tx.cardId),
        this.key("merchant", tx.merchantId),
        this.key("mfraud", tx.merchantId),
        this.key("mfraudknown", tx.merchantId),
      ],
      t: tx.timestamp,
      cents: amountToCents(tx.amount),
      id: tx.transactionId,
    };
  }

  /** One script call for `batch`; its failure is every member's failure, as one call each would be. */
  private async run(batch: readonly ObserveArgs[]): Promise<ObserveResult[]> {
    const n = batch.length;
    const args = new Array<string | number>(n * 6 + 3);
    const argv = n * 5;
    args[argv] = this.idTtlMs;
    args[argv + 1] = this.keyTtlMs;
    args[argv + 2] = MAX_WINDOW_MS;
    for (let i = 0; i < n; i++) {
      const { keys, t, cents, id } = batch[i];
      for (let k = 0; k < 5; k++) args[i * 5 + k] = keys[k];
      args[argv + 3 + i] = `${t} ${t - WINDOW_MS[0]} ${t - WINDOW_MS[1]} ${t - WINDOW_MS[2]} ${cents} ${id}`;
    }
    const reply = await this.commands.fraudObserveBuffer(n * 5, ...args);
    const results = new Array<ObserveResult>(n);
    for (let i = 0; i < n; i++) results[i] = decodeObserveReply(reply[i], batch[i]);
    return results;
  }

  async recordFraudLabel(label: FraudLabel): Promise<void> {
    await this.label(label, "fraud");
  }

  async retractFraudLabel(label: FraudLabel): Promise<void> {
    await this.label(label, "legit");
  }

  private async label(label: FraudLabel, kind: "fraud" | "legit"): Promise<void> {
    await this.commands.fraudLabel(
      this.key("mfraud", label.merchantId),
      this.key("mfraudknown", label.merchantId),
      this.key("label", label.transactionId),
      num(label.timestamp, "label timestamp"),
      label.transactionId,
      num(label.knownAt, "label knownAt"),
      this.keyTtlMs,
      kind,
    );
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
