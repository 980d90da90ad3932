/**
 * Redis FeatureStore for serving. One script call reads a transaction's card and merchant state
 * and records the transaction as one atomic step even with many API replicas, and carries up to
 * MAX_PER_SCRIPT observes of an `observeMany` (a batch, or the scorer's concurrent requests). The
 * scripts and the key layout are in app/src/redis/, the decoders in redis-layout.ts; the state and
 * its windows are buckets.ts's, read here through the same functions as the in-memory store (a
 * test replays one stream through both).
 *
 * The script touches a card key and a merchant key together, so this needs Redis without cluster
 * mode (ElastiCache with cluster mode disabled, which is what infra/ provisions).
 */
import Redis, { type RedisOptions } from "ioredis";
import { CARD_DAYS, DAY_MS, dayOf, hourOf, merchantDays, merchantHours, newSnapshot, type OwnTransaction, riskLagDays } from "./buckets";
import { readCard, readMerchant } from "./buckets-read";
import { amountToCents } from "./compute";
import { LABEL_LUA, OBSERVE_LUA } from "../redis/scripts";
import { cardRecordAt, decodeCard, decodeMerchant, TRANSACTION_ID_BYTES, writeTransactionId } from "./redis-layout";
import type { FeatureStore, FraudLabel, ObserveResult, Transaction } from "./types";

export interface RedisFeatureStoreOptions {
  /** Prefix of every key. Default "fraud:v5:". Use a unique one per test run. */
  readonly keyPrefix?: string;
  /**
   * How long a card remembers a transaction for idempotency, behind its newest transaction (data
   * time; up to a day more, and no longer than the card key lives). Default: keyTtlMs, as far back
   * as the feature rebuild replays (rebuild.ts historyReachMs), so that a rerun counts nothing twice.
   */
  readonly idTtlMs?: number;
  /**
   * Expiry of card, merchant and label keys after their last write. Default: one day past the
   * longest window (the delayed 30-day merchant risk), 39 days with the default delay.
   */
  readonly keyTtlMs?: number;
  /** The label delay the merchant risk windows are shifted by (FeatureConfig). Default 7 days. */
  readonly labelDelayMs?: number;
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

export const DEFAULT_KEY_PREFIX = "fraud:v5:";

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

/** Transactions per observe script call: bounds how long one call holds Redis. */
const MAX_PER_SCRIPT = 100;
const TX_ARG_BYTES = 24 + TRANSACTION_ID_BYTES;

/** One transaction's keys and argument for the observe script. */
interface ObserveArgs {
  readonly card: string;
  readonly merchant: string;
  readonly t: number;
  /** "<ddi4i4c8": timestamp, cents, UTC hour, UTC day, the id a card records it under. */
  readonly arg: Buffer;
}

/**
 * One transaction's reply from the observe script (its card and merchant strings before it, and
 * 0 or, for a repeat, the position of its first observation's record in that card string), read
 * as the memory store reads its state.
 */
function decodeObserveReply(card: Buffer, merchant: Buffer, seen: number, t: number, lagDays: number): ObserveResult {
  const own: OwnTransaction | undefined = seen > 0 ? cardRecordAt(card, seen) : undefined;
  const snapshot = newSnapshot();
  readCard(snapshot, t, decodeCard(card), own);
  readMerchant(snapshot, t, decodeMerchant(merchant), lagDays, own);
  return { duplicate: own !== undefined, snapshot };
}

interface FeatureCommands {
  /** numKeys, then the keys and arguments (the key count varies with the batch). */
  fraudObserveBuffer(...args: (string | number | Buffer)[]): Promise<(Buffer | number)[]>;
  fraudLabel(...args: (string | number)[]): Promise<number>;
}

function finite(ms: number, what: string): number {
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a finite epoch-ms number, got ${ms}`);
  return ms;
}

export class RedisFeatureStore implements FeatureStore {
  readonly keyPrefix: string;
  private readonly idTtlMs: number;
  private readonly keyTtlMs: number;
  private readonly lagDays: number;
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
    const delay = options.labelDelayMs ?? 7 * DAY_MS;
    if (!(delay >= 0 && Number.isFinite(delay))) throw new RangeError(`labelDelayMs must be a finite number >= 0, got ${delay}`);
    this.lagDays = riskLagDays(delay);
    this.keyTtlMs = Math.round(options.keyTtlMs ?? (merchantDays(this.lagDays) + 1) * DAY_MS);
    this.idTtlMs = Math.round(options.idTtlMs ?? this.keyTtlMs);
    if (!(this.idTtlMs > 0 && this.keyTtlMs > 0)) throw new RangeError("idTtlMs and keyTtlMs must be > 0");
    if (!("fraudObserveBuffer" in redis)) {
      redis.defineCommand("fraudObserve", { lua: OBSERVE_LUA });
      redis.defineCommand("fraudLabel", { numberOfKeys: 2, lua: LABEL_LUA });
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

  key(kind: "card" | "merchant" | "label", id: string): string {
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
    const t = tx.timestamp;
    if (!Number.isFinite(t)) throw new RangeError(`timestamp must be a finite epoch-ms number, got ${t}`);
    const arg = Buffer.allocUnsafe(TX_ARG_BYTES);
    arg.writeDoubleLE(t, 0);
    arg.writeDoubleLE(amountToCents(tx.amount), 8);
    arg.writeInt32LE(hourOf(t), 16);
    arg.writeInt32LE(dayOf(t), 20);
    writeTransactionId(tx.transactionId, tx.merchantId, arg, 24);
    return { card: this.key("card", tx.cardId), merchant: this.key("merchant", tx.merchantId), t, arg };
  }

  /** One script call for `batch`; its failure is every member's failure, as one call each would be. */
  private async run(batch: readonly ObserveArgs[]): Promise<ObserveResult[]> {
    const n = batch.length;
    const args = new Array<string | number | Buffer>(n * 3 + 5);
    const argv = n * 2;
    args[argv] = this.keyTtlMs;
    args[argv + 1] = this.idTtlMs;
    args[argv + 2] = CARD_DAYS;
    args[argv + 3] = merchantDays(this.lagDays);
    args[argv + 4] = merchantHours(this.lagDays);
    for (let i = 0; i < n; i++) {
      const tx = batch[i]!;
      args[i * 2] = tx.card;
      args[i * 2 + 1] = tx.merchant;
      args[argv + 5 + i] = tx.arg;
    }
    const reply = await this.commands.fraudObserveBuffer(n * 2, ...args);
    const results = new Array<ObserveResult>(n);
    for (let i = 0; i < n; i++)
      results[i] = decodeObserveReply(
        reply[i * 3] as Buffer,
        reply[i * 3 + 1] as Buffer,
        reply[i * 3 + 2] as number,
        batch[i]!.t,
        this.lagDays,
      );
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
      this.key("merchant", label.merchantId),
      this.key("label", label.transactionId),
      hourOf(finite(label.timestamp, "label timestamp")),
      dayOf(label.timestamp),
      finite(label.knownAt, "label knownAt"),
      this.keyTtlMs,
      kind,
      merchantHours(this.lagDays),
      merchantDays(this.lagDays),
    );
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
