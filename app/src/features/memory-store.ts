/**
 * In-process FeatureStore: the offline training pass and local `npm start` without Redis.
 *
 * It follows exactly the rules of the Redis store (redis-store.ts), so that a replay through either
 * gives the same feature vectors (tested in stores.test.ts):
 * - a card keeps (ts, cents) sorted by ts; a merchant keeps its transaction times and its fraud
 *   labels (tx ts, knownAt, id); the snapshot for t reads [t - 30d, t];
 * - after recording, entries older than 30 days before the newest of that card/merchant are
 *   dropped: no later transaction can read them;
 * - a duplicate transactionId records nothing, and its snapshot is the one as of its timestamp
 *   without the transaction itself (what a retry after a failed first attempt should score with);
 * - a fraud label is identified by (transactionId, timestamp); the labels of a transaction apply
 *   in knownAt order (a report known no later than the standing label changes nothing, legit
 *   stands at equal times); a legit label removes the fraud label for every later observe.
 *
 * Memory is bounded by the last 30 days of traffic (plus `maxLatenessMs`):
 * - idempotency: ids are remembered for `idRetentionMs` (default 31 days) of *data* time, i.e.
 *   relative to the newest transaction seen, in a FIFO queue; the Redis store uses a TTL on the
 *   wall clock instead, which is the same thing when traffic is live;
 * - whenever data time passes a day boundary, cards and merchants idle for longer than
 *   30 days + `maxLatenessMs` are dropped whole (nothing they hold is in any window any more).
 */
import { amountToCents, DAY_MS, MAX_WINDOW_MS, WINDOW_MS } from "./compute";
import type { FeatureStore, FraudLabel, HistorySnapshot, ObserveResult, Transaction } from "./types";

export interface MemoryFeatureStoreOptions {
  /** How long a transactionId is remembered for idempotency, in data time. Default 31 days. */
  readonly idRetentionMs?: number;
  /**
   * How late (in data time) a transaction may arrive behind the newest one seen and still find the
   * history of an otherwise idle card or merchant. Default 1 day.
   */
  readonly maxLatenessMs?: number;
}

export const DEFAULT_ID_RETENTION_MS = 31 * DAY_MS;

interface SortedTimes {
  ts: number[];
  /** Entries before `head` are dropped; compacted now and then. */
  head: number;
}

interface CardState extends SortedTimes {
  cents: number[];
}

interface FraudEntry {
  readonly id: string;
  readonly ts: number;
  knownAt: number;
}

/** The label standing for a transaction: decides whether a later-arriving report applies. */
interface LabelState {
  readonly ts: number;
  readonly knownAt: number;
  readonly legit: boolean;
}

interface MerchantState extends SortedTimes {
  /** Sorted by ts. */
  frauds: FraudEntry[];
  /** By transactionId; dropped with the merchant's trimmed labels and at the daily sweep. */
  labels: Map<string, LabelState>;
  /** Newest tx or label time: decides when the whole merchant can go. */
  newestEvent: number;
}

interface SeenTx {
  readonly ts: number;
  readonly cents: number;
  readonly cardId: string;
  readonly merchantId: string;
}

/** First index in [lo, hi) with a[i] >= x. */
function lowerBound(a: readonly number[], lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) with a[i] > x. */
function upperBound(a: readonly number[], lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function compact<T extends SortedTimes>(s: T, parallel: unknown[][]): void {
  if (s.head > 64 && s.head * 2 > s.ts.length) {
    s.ts.splice(0, s.head);
    for (const p of parallel) p.splice(0, s.head);
    s.head = 0;
  }
}

/** Forgets the label states of transactions before `floor`: no window reads their labels again. */
function dropLabelsBefore(m: MerchantState, floor: number): void {
  for (const [id, l] of m.labels) if (l.ts < floor) m.labels.delete(id);
}

export interface MemoryStoreStats {
  readonly cards: number;
  readonly merchants: number;
  readonly cardEntries: number;
  readonly merchantEntries: number;
  readonly fraudLabels: number;
  readonly rememberedIds: number;
}

export class MemoryFeatureStore implements FeatureStore {
  private readonly cards = new Map<string, CardState>();
  private readonly merchants = new Map<string, MerchantState>();
  private readonly seen = new Map<string, SeenTx>();
  /** Ids in observation order with their timestamps, for expiry. */
  private seenQueue: string[] = [];
  private seenQueueTs: number[] = [];
  private seenHead = 0;
  private newest = -Infinity;
  private nextSweepAt = -Infinity;
  private readonly idRetentionMs: number;
  private readonly maxLatenessMs: number;

  constructor(options: MemoryFeatureStoreOptions = {}) {
    this.idRetentionMs = options.idRetentionMs ?? DEFAULT_ID_RETENTION_MS;
    this.maxLatenessMs = options.maxLatenessMs ?? DAY_MS;
    if (!(this.idRetentionMs >= MAX_WINDOW_MS)) throw new RangeError(`idRetentionMs must be >= 30 days, got ${this.idRetentionMs}`);
    if (!(this.maxLatenessMs >= 0)) throw new RangeError(`maxLatenessMs must be >= 0, got ${this.maxLatenessMs}`);
  }

  async observe(tx: Transaction): Promise<ObserveResult> {
    return this.observeSync(tx);
  }

  async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    return txs.map((tx) => this.observeSync(tx));
  }

  async recordFraudLabel(label: FraudLabel): Promise<void> {
    this.recordFraudLabelSync(label);
  }

  async retractFraudLabel(label: FraudLabel): Promise<void> {
    this.applyLabel(label, true);
  }

  async close(): Promise<void> {
    this.cards.clear();
    this.merchants.clear();
    this.seen.clear();
    this.seenQueue = [];
    this.seenQueueTs = [];
    this.seenHead = 0;
  }

  /** The hot-loop form of `observe` for the offline pass: no promise per row. */
  observeSync(tx: Transaction): ObserveResult {
    const t = tx.timestamp;
    const card = this.cards.get(tx.cardId);
    const merchant = this.merchants.get(tx.merchantId);
    const previous = this.seen.get(tx.transactionId);
    if (previous) return { snapshot: this.snapshot(tx, card, merchant, previous), duplicate: true };

    const snapshot = this.snapshot(tx, card, merchant, undefined);
    const cents = amountToCents(tx.amount);
    this.recordCard(card ?? this.newCard(tx.cardId), t, cents);
    this.recordMerchant(merchant ?? this.merchant(tx.merchantId), t);
    this.remember(tx.transactionId, { ts: t, cents, cardId: tx.cardId, merchantId: tx.merchantId });
    if (t > this.newest) {
      this.newest = t;
      if (t >= this.nextSweepAt) this.sweep();
    }
    return { snapshot, duplicate: false };
  }

  recordFraudLabelSync(label: FraudLabel): void {
    this.applyLabel(label, false);
  }

  stats(): MemoryStoreStats {
    let cardEntries = 0, merchantEntries = 0, fraudLabels = 0;
    for (const c of this.cards.values()) cardEntries += c.ts.length - c.head;
    for (const m of this.merchants.values()) {
      merchantEntries += m.ts.length - m.head;
      fraudLabels += m.frauds.length;
    }
    return {
      cards: this.cards.size,
      merchants: this.merchants.size,
      cardEntries,
      merchantEntries,
      fraudLabels,
      rememberedIds: this.seen.size,
    };
  }

  /** A fraud or legit label report, in knownAt order as the Redis store's LABEL_LUA. */
  private applyLabel(label: FraudLabel, legit: boolean): void {
    const m = this.merchant(label.merchantId);
    const standing = m.labels.get(label.transactionId);
    if (standing) {
      if (label.knownAt < standing.knownAt || (label.knownAt === standing.knownAt && (legit === standing.legit || !legit))) return;
      if (!standing.legit) {
        const i = m.frauds.findIndex((f) => f.ts === standing.ts && f.id === label.transactionId);
        if (i >= 0) m.frauds.splice(i, 1);
      }
    }
    m.labels.set(label.transactionId, { ts: label.timestamp, knownAt: label.knownAt, legit });
    if (legit) return;
    // frauds is sorted by ts: after the entries of the same or an earlier ts
    let i = m.frauds.length;
    while (i > 0 && m.frauds[i - 1].ts > label.timestamp) i--;
    m.frauds.splice(i, 0, { id: label.transactionId, ts: label.timestamp, knownAt: label.knownAt });
    if (label.timestamp > m.newestEvent) m.newestEvent = label.timestamp;
  }

  /** Point-in-time view at tx.timestamp; `self` (a duplicate's first observation) is left out. */
  private snapshot(tx: Transaction, card: CardState | undefined, m: MerchantState | undefined, self: SeenTx | undefined): HistorySnapshot {
    const t = tx.timestamp;
    let cardTimestamps: number[] = [];
    let cardAmountsCents: number[] = [];
    if (card) {
      const lo = lowerBound(card.ts, card.head, card.ts.length, t - MAX_WINDOW_MS);
      const hi = upperBound(card.ts, lo, card.ts.length, t);
      cardTimestamps = card.ts.slice(lo, hi);
      cardAmountsCents = card.cents.slice(lo, hi);
      if (self !== undefined && self.cardId === tx.cardId) {
        for (let i = 0; i < cardTimestamps.length; i++) {
          if (cardTimestamps[i] === self.ts && cardAmountsCents[i] === self.cents) {
            cardTimestamps.splice(i, 1);
            cardAmountsCents.splice(i, 1);
            break;
          }
        }
      }
    }
    const counts: [number, number, number] = [0, 0, 0];
    const frauds: [number, number, number] = [0, 0, 0];
    if (m) {
      const hi = upperBound(m.ts, m.head, m.ts.length, t);
      // a duplicate's own entry is still there unless trimmed (older than the oldest kept)
      const selfTs =
        self !== undefined && self.merchantId === tx.merchantId && m.head < m.ts.length && self.ts >= m.ts[m.head] ? self.ts : Number.NaN;
      for (let w = 0; w < 3; w++) {
        const from = t - WINDOW_MS[w];
        counts[w] = hi - lowerBound(m.ts, m.head, hi, from) - (selfTs >= from && selfTs <= t ? 1 : 0);
      }
      // labels of transactions more than 30 days before the merchant's newest are never counted,
      // whether trimming has removed them yet or not (Redis trims them less eagerly)
      const floor = m.head < m.ts.length ? m.ts[m.ts.length - 1] - MAX_WINDOW_MS : -Infinity;
      const fs = m.frauds;
      for (let i = 0; i < fs.length; i++) {
        const f = fs[i];
        if (f.ts > t) break;
        if (f.ts < floor || f.knownAt > t || (self !== undefined && f.id === tx.transactionId)) continue;
        for (let w = 0; w < 3; w++) if (f.ts >= t - WINDOW_MS[w]) frauds[w]++;
      }
    }
    return { cardTimestamps, cardAmountsCents, merchantCounts: counts, merchantKnownFrauds: frauds };
  }

  private newCard(cardId: string): CardState {
    const c: CardState = { ts: [], cents: [], head: 0 };
    this.cards.set(cardId, c);
    return c;
  }

  private recordCard(c: CardState, t: number, cents: number): void {
    const at = upperBound(c.ts, c.head, c.ts.length, t);
    if (at === c.ts.length) {
      c.ts.push(t);
      c.cents.push(cents);
    } else {
      c.ts.splice(at, 0, t);
      c.cents.splice(at, 0, cents);
    }
    const floor = c.ts[c.ts.length - 1] - MAX_WINDOW_MS;
    while (c.ts[c.head] < floor) c.head++;
    compact(c, [c.cents]);
  }

  private merchant(merchantId: string): MerchantState {
    let m = this.merchants.get(merchantId);
    if (!m) {
      m = { ts: [], head: 0, frauds: [], labels: new Map(), newestEvent: -Infinity };
      this.merchants.set(merchantId, m);
    }
    return m;
  }

  private recordMerchant(m: MerchantState, t: number): void {
    const at = upperBound(m.ts, m.head, m.ts.length, t);
    if (at === m.ts.length) m.ts.push(t);
    else m.ts.splice(at, 0, t);
    const newestTx = m.ts[m.ts.length - 1];
    if (newestTx > m.newestEvent) m.newestEvent = newestTx;
    const floor = newestTx - MAX_WINDOW_MS;
    while (m.ts[m.head] < floor) m.head++;
    compact(m, []);
    let drop = 0;
    while (drop < m.frauds.length && m.frauds[drop].ts < floor) drop++;
    if (drop > 0) {
      m.frauds.splice(0, drop);
      dropLabelsBefore(m, floor);
    }
  }

  private remember(id: string, tx: SeenTx): void {
    this.seen.set(id, tx);
    this.seenQueue.push(id);
    this.seenQueueTs.push(tx.ts);
    const expireBefore = Math.max(this.newest, tx.ts) - this.idRetentionMs;
    while (this.seenHead < this.seenQueue.length && this.seenQueueTs[this.seenHead] < expireBefore) {
      const old = this.seenQueue[this.seenHead++];
      // a re-observed id after expiry is a new entry: only forget the one this queue slot made
      if (this.seen.get(old)?.ts !== undefined && this.seen.get(old)!.ts < expireBefore) this.seen.delete(old);
    }
    if (this.seenHead > 1024 && this.seenHead * 2 > this.seenQueue.length) {
      this.seenQueue.splice(0, this.seenHead);
      this.seenQueueTs.splice(0, this.seenHead);
      this.seenHead = 0;
    }
  }

  /** Drops cards and merchants that no window can reach any more. Runs once per data day. */
  private sweep(): void {
    const idleBefore = this.newest - MAX_WINDOW_MS - this.maxLatenessMs;
    for (const [id, c] of this.cards) if (c.ts[c.ts.length - 1] < idleBefore) this.cards.delete(id);
    for (const [id, m] of this.merchants) {
      if (m.newestEvent < idleBefore) this.merchants.delete(id);
      // legit labels trim nothing on their own: their states go here
      else if (m.head < m.ts.length) dropLabelsBefore(m, m.ts[m.ts.length - 1] - MAX_WINDOW_MS);
    }
    this.nextSweepAt = this.newest + DAY_MS;
  }
}
