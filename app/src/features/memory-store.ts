/**
 * In-process FeatureStore: the offline training pass and local `npm start` without Redis.
 *
 * It keeps the bucket state of buckets.ts and reads it through the same functions as the Redis
 * store, whose observe script updates the same state with the same rules (app/src/redis/observe.lua): a
 * replay through either gives the same feature vectors (tested in redis-store.test.ts).
 * - a repeat (the same transactionId, card and merchant) records nothing, and its snapshot is the
 *   one as of its timestamp without the transaction itself (what a retry after a failed first
 *   attempt should score with); a transactionId seen with another card or merchant is another
 *   transaction, as in the Redis store, which remembers ids per card;
 * - the labels of a transaction apply in knownAt order (a report known no later than the standing
 *   label changes nothing, legit stands at equal times); a legit label withdraws the fraud.
 *
 * Memory is bounded by the windows (plus `maxLatenessMs`):
 * - idempotency: ids are remembered for `idRetentionMs` (default 31 days) of *data* time, i.e.
 *   relative to the newest transaction seen, in a FIFO queue; the Redis store uses a TTL on the
 *   wall clock instead, which is the same thing when traffic is live;
 * - whenever data time passes a day boundary, cards and merchants no window can reach any more
 *   are dropped whole, with the label states of transactions that old.
 */
import { amountToCents } from "./compute";
import {
  BUCKET_RECORD,
  CARD_DAYS,
  type CardBuckets,
  DAY_MS,
  dayOf,
  emptyCard,
  emptyMerchant,
  merchantDays,
  type MerchantBuckets,
  merchantNewestDay,
  newSnapshot,
  type OwnTransaction,
  RECENT_RECORD,
  riskLagDays,
  type SnapshotBuffer,
} from "./buckets";
import { readCard, readMerchant } from "./buckets-read";
import { addFraud, recordOnCard, recordOnMerchant } from "./buckets-write";
import type { FeatureStore, FraudLabel, HistorySnapshot, ObserveResult, Transaction } from "./types";

export interface MemoryFeatureStoreOptions {
  /** How long a transactionId is remembered for idempotency, in data time. Default 31 days. */
  readonly idRetentionMs?: number;
  /**
   * How late (in data time) a transaction may arrive behind the newest one seen and still find the
   * history of an otherwise idle card or merchant. Default 1 day.
   */
  readonly maxLatenessMs?: number;
  /** The label delay the merchant risk windows are shifted by (FeatureConfig). Default 7 days. */
  readonly labelDelayMs?: number;
}

export const DEFAULT_ID_RETENTION_MS = 31 * DAY_MS;

interface SeenTx {
  readonly ts: number;
  readonly cents: number;
  readonly cardId: string;
  readonly merchantId: string;
  /** An observation of the same transactionId with another card or merchant. */
  readonly other: SeenTx | undefined;
}

/** The label standing for a transaction: decides whether a later-arriving report applies. */
interface LabelState {
  readonly ts: number;
  readonly knownAt: number;
  readonly legit: boolean;
}

export interface MemoryStoreStats {
  readonly cards: number;
  readonly merchants: number;
  /** Buckets and single records held for cards, and buckets for merchants. */
  readonly cardEntries: number;
  readonly merchantEntries: number;
  readonly labelStates: number;
  readonly rememberedIds: number;
}

export class MemoryFeatureStore implements FeatureStore {
  private readonly cards = new Map<string, CardBuckets>();
  private readonly merchants = new Map<string, MerchantBuckets>();
  private readonly labels = new Map<string, LabelState>();
  private readonly seen = new Map<string, SeenTx>();
  /** Ids in observation order with their timestamps, for expiry. */
  private seenQueue: string[] = [];
  private seenQueueTs: number[] = [];
  private seenHead = 0;
  private newest = -Infinity;
  private nextSweepAt = -Infinity;
  private readonly idRetentionMs: number;
  private readonly maxLatenessMs: number;
  private readonly lagDays: number;

  constructor(options: MemoryFeatureStoreOptions = {}) {
    this.idRetentionMs = options.idRetentionMs ?? DEFAULT_ID_RETENTION_MS;
    this.maxLatenessMs = options.maxLatenessMs ?? DAY_MS;
    const delay = options.labelDelayMs ?? 7 * DAY_MS;
    if (!(this.idRetentionMs >= CARD_DAYS * DAY_MS)) throw new RangeError(`idRetentionMs must be >= 30 days, got ${this.idRetentionMs}`);
    if (!(this.maxLatenessMs >= 0)) throw new RangeError(`maxLatenessMs must be >= 0, got ${this.maxLatenessMs}`);
    if (!(delay >= 0 && Number.isFinite(delay))) throw new RangeError(`labelDelayMs must be a finite number >= 0, got ${delay}`);
    this.lagDays = riskLagDays(delay);
  }

  async observe(tx: Transaction): Promise<ObserveResult> {
    return this.observeSync(tx);
  }

  async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    return txs.map((tx) => this.observeSync(tx));
  }

  async recordFraudLabel(label: FraudLabel): Promise<void> {
    this.applyLabel(label, false);
  }

  async retractFraudLabel(label: FraudLabel): Promise<void> {
    this.applyLabel(label, true);
  }

  async close(): Promise<void> {
    this.cards.clear();
    this.merchants.clear();
    this.labels.clear();
    this.seen.clear();
    this.seenQueue = [];
    this.seenQueueTs = [];
    this.seenHead = 0;
  }

  /**
   * The hot-loop form of `observe` for the offline pass: no promise per row, and the snapshot is
   * written into `into` when given (reused across rows, valid until the next call).
   */
  observeSync(tx: Transaction, into: SnapshotBuffer = newSnapshot()): ObserveResult {
    const t = tx.timestamp;
    const card = this.cards.get(tx.cardId);
    const merchant = this.merchants.get(tx.merchantId);
    const seen = this.seen.get(tx.transactionId);
    let previous = seen;
    while (previous && (previous.cardId !== tx.cardId || previous.merchantId !== tx.merchantId)) previous = previous.other;
    if (previous) {
      const own: OwnTransaction = { ts: previous.ts, cents: previous.cents };
      return { snapshot: this.snapshot(into, t, card, merchant, own), duplicate: true };
    }
    const snapshot = this.snapshot(into, t, card, merchant, undefined);
    const cents = amountToCents(tx.amount);
    recordOnCard(card ?? this.newEntity(this.cards, tx.cardId, emptyCard), t, cents);
    recordOnMerchant(merchant ?? this.newEntity(this.merchants, tx.merchantId, emptyMerchant), t, this.lagDays);
    this.remember(tx.transactionId, { ts: t, cents, cardId: tx.cardId, merchantId: tx.merchantId, other: seen });
    if (t > this.newest) {
      this.newest = t;
      if (t >= this.nextSweepAt) this.sweep();
    }
    return { snapshot, duplicate: false };
  }

  /** The synchronous form of `recordFraudLabel`, for the offline pass. */
  recordFraudLabelSync(label: FraudLabel): void {
    this.applyLabel(label, false);
  }

  stats(): MemoryStoreStats {
    let cardEntries = 0,
      merchantEntries = 0;
    for (const c of this.cards.values()) cardEntries += c.recent.length / RECENT_RECORD + c.days.length / BUCKET_RECORD;
    for (const m of this.merchants.values()) merchantEntries += (m.hours.length + m.days.length) / BUCKET_RECORD;
    return {
      cards: this.cards.size,
      merchants: this.merchants.size,
      cardEntries,
      merchantEntries,
      labelStates: this.labels.size,
      rememberedIds: this.seen.size,
    };
  }

  /** A fraud or legit label report, in knownAt order as the Redis store's label script. */
  private applyLabel(label: FraudLabel, legit: boolean): void {
    const standing = this.labels.get(label.transactionId);
    const m = (): MerchantBuckets =>
      this.merchants.get(label.merchantId) ?? this.newEntity(this.merchants, label.merchantId, emptyMerchant);
    if (standing) {
      if (label.knownAt < standing.knownAt || (label.knownAt === standing.knownAt && (legit === standing.legit || !legit))) return;
      if (!standing.legit) addFraud(m(), standing.ts, -1, this.lagDays);
    }
    this.labels.set(label.transactionId, { ts: label.timestamp, knownAt: label.knownAt, legit });
    if (!legit) addFraud(m(), label.timestamp, 1, this.lagDays);
  }

  private snapshot(
    into: SnapshotBuffer,
    t: number,
    card: CardBuckets | undefined,
    m: MerchantBuckets | undefined,
    own: OwnTransaction | undefined,
  ): HistorySnapshot {
    readCard(into, t, card ?? EMPTY_CARD, own);
    readMerchant(into, t, m ?? EMPTY_MERCHANT, this.lagDays, own);
    return into;
  }

  private newEntity<T>(map: Map<string, T>, id: string, make: () => T): T {
    const v = make();
    map.set(id, v);
    return v;
  }

  private remember(id: string, tx: SeenTx): void {
    this.seen.set(id, tx);
    this.seenQueue.push(id);
    this.seenQueueTs.push(tx.ts);
    const expireBefore = Math.max(this.newest, tx.ts) - this.idRetentionMs;
    while (this.seenHead < this.seenQueue.length && this.seenQueueTs[this.seenHead]! < expireBefore) {
      const old = this.seenQueue[this.seenHead++]!;
      // a re-observed id after expiry is a new entry: only forget what expired
      const entry = this.seen.get(old);
      if (entry !== undefined) {
        const kept = unexpired(entry, expireBefore);
        if (kept === undefined) this.seen.delete(old);
        else if (kept !== entry) this.seen.set(old, kept);
      }
    }
    if (this.seenHead > 1024 && this.seenHead * 2 > this.seenQueue.length) {
      this.seenQueue.splice(0, this.seenHead);
      this.seenQueueTs.splice(0, this.seenHead);
      this.seenHead = 0;
    }
  }

  /** Drops cards, merchants and label states that no window can reach any more. Once per data day. */
  private sweep(): void {
    const idleBefore = this.newest - this.maxLatenessMs;
    const cardFloor = dayOf(idleBefore) - CARD_DAYS;
    const merchantFloor = dayOf(idleBefore) - merchantDays(this.lagDays);
    for (const [id, c] of this.cards) if (dayOf(c.newest) < cardFloor) this.cards.delete(id);
    for (const [id, m] of this.merchants) {
      // every transaction and label has a day bucket: the last one is the merchant's newest event
      if (merchantNewestDay(m) < merchantFloor) this.merchants.delete(id);
    }
    for (const [id, l] of this.labels) if (dayOf(l.ts) < merchantFloor) this.labels.delete(id);
    this.nextSweepAt = this.newest + DAY_MS;
  }
}

/** The observations of `entry`'s chain at or after `expireBefore` (the chain itself when all are). */
function unexpired(entry: SeenTx | undefined, expireBefore: number): SeenTx | undefined {
  if (entry === undefined) return undefined;
  const other = unexpired(entry.other, expireBefore);
  if (entry.ts < expireBefore) return other;
  return other === entry.other ? entry : { ...entry, other };
}

const EMPTY_CARD: CardBuckets = Object.freeze(emptyCard()) as CardBuckets;
const EMPTY_MERCHANT: MerchantBuckets = Object.freeze(emptyMerchant()) as MerchantBuckets;
