/**
 * The offline feature pass: replays every transaction in (timestamp, transactionId) order through
 * the bucket state and read functions of features/buckets*.ts and `computeFeaturesInto`, the code
 * the API's stores run online, so a training row gets exactly the vector the API would have
 * computed when it was scored (offline-features.test.ts replays one data set through this and
 * through the MemoryFeatureStore). Here the state is held in arrays indexed by the data set's card
 * and merchant codes rather than in a store keyed by strings: the replay does no string lookups
 * and allocates nothing per row.
 * Fraud labels are applied in event order, as the API applies them when they are reported: a
 * label joins the replay at the time it became known (its report time, or transaction time plus
 * the label delay), before the transactions of that instant.
 */
import {
  CARD_DAYS,
  type CardBuckets,
  dayOf,
  emptyCard,
  emptyMerchant,
  merchantDays,
  type MerchantBuckets,
  merchantNewestDay,
  newSnapshot,
  riskLagDays,
} from "../features/buckets";
import { readCard, readMerchant } from "../features/buckets-read";
import { addFraud, recordOnCard, recordOnMerchant } from "../features/buckets-write";
import { amountToCents, computeFeaturesInto, FEATURE_COUNT } from "../features/compute";
import type { FeatureConfig, Transaction } from "../features/types";
import type { Dataset } from "./dataset";
import { RowIdSet } from "./id-set";

export interface FeaturePassResult {
  /** Dataset row indices of the kept rows, in event order. */
  readonly rows: Uint32Array;
  /** Row-major, rows.length x FEATURE_COUNT, FEATURE_NAMES order; NaN = missing. */
  readonly features: Float64Array;
  /** Rows whose transactionId had been seen before: not counted twice, not kept. */
  readonly duplicates: number;
  /** Rows replayed (all of them: each one is history for later rows). */
  readonly replayed: number;
  readonly seconds: number;
  /** CPU time of this process during the pass: what wall-clock seconds mean on a shared machine. */
  readonly cpuSeconds: number;
}

/** When a fraud label becomes known, point in time. */
export function labelKnownAt(timestamp: number, reportedAt: number, cfg: FeatureConfig): number {
  return Number.isFinite(reportedAt) ? Math.max(timestamp, reportedAt) : timestamp + cfg.labelDelayMs;
}

/** How late (data time) a transaction may come behind the newest and still find an idle card's history. */
const MAX_LATENESS_DAYS = 1;

/**
 * `keep[i]` (dataset row i) says whether row i's vector is computed and returned; every row is
 * recorded (all of it is history for later rows).
 */
export function featurePass(
  d: Dataset,
  order: Uint32Array,
  keep: Uint8Array,
  cfg: FeatureConfig,
  onProgress?: (done: number, total: number) => void,
): FeaturePassResult {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let kept = 0;
  for (let i = 0; i < d.size; i++) kept += keep[i] ? 1 : 0;
  const rows = new Uint32Array(kept);
  const features = new Float64Array(kept * FEATURE_COUNT);
  const lag = riskLagDays(cfg.labelDelayMs);
  const cards: (CardBuckets | undefined)[] = new Array(d.cardIds.length);
  const merchants: (MerchantBuckets | undefined)[] = new Array(d.merchantIds.length);
  const seen = new RowIdSet(d.transactionIds, d.size);
  const pending = new LabelQueue();
  const snapshot = newSnapshot();
  // computeFeaturesInto reads the time and amount only
  const tx = { timestamp: 0, amount: 0 } as { timestamp: number; amount: number } & Transaction;
  let k = 0;
  let duplicates = 0;
  let newest = -Infinity;
  let nextSweepDay = -Infinity;
  const step = Math.max(1, Math.floor(order.length / 200));
  for (let n = 0; n < order.length; n++) {
    const i = order[n]!;
    const t = d.timestamps[i]!;
    while (pending.size > 0 && pending.nextKnownAt() <= t) {
      const merchant = pending.merchant();
      addFraud((merchants[merchant] ??= emptyMerchant()), pending.pop(), 1, lag);
    }
    if (!seen.add(i)) {
      duplicates++;
      continue;
    }
    const card = (cards[d.cards[i]!] ??= emptyCard());
    const merchant = (merchants[d.merchants[i]!] ??= emptyMerchant());
    const amount = d.amounts[i]!;
    // a row outside the windows is only history: recording it is all later rows need
    if (keep[i]) {
      readCard(snapshot, t, card);
      readMerchant(snapshot, t, merchant, lag);
      tx.timestamp = t;
      tx.amount = amount;
      computeFeaturesInto(features, k * FEATURE_COUNT, tx, snapshot, cfg);
      rows[k++] = i;
    }
    recordOnCard(card, t, amountToCents(amount));
    recordOnMerchant(merchant, t, lag);
    if (d.labels[i] === 1) pending.push(labelKnownAt(t, d.labelReportedAt[i]!, cfg), d.merchants[i]!, t);
    if (t > newest) {
      newest = t;
      // what no window can reach any more goes, as the stores drop it (memory stays ~ the windows)
      if (dayOf(t) >= nextSweepDay) {
        sweep(cards, merchants, dayOf(t) - MAX_LATENESS_DAYS, lag);
        nextSweepDay = dayOf(t) + 1;
      }
    }
    if (onProgress && n % step === 0) onProgress(n, order.length);
  }
  onProgress?.(order.length, order.length);
  return {
    rows: rows.subarray(0, k),
    features: features.subarray(0, k * FEATURE_COUNT),
    duplicates,
    replayed: order.length,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSecondsSince(cpuStarted),
  };
}

function cpuSecondsSince(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1e6;
}

function sweep(cards: (CardBuckets | undefined)[], merchants: (MerchantBuckets | undefined)[], day: number, lag: number): void {
  const cardFloor = day - CARD_DAYS;
  const merchantFloor = day - merchantDays(lag);
  for (let c = 0; c < cards.length; c++) {
    const card = cards[c];
    if (card !== undefined && dayOf(card.newest) < cardFloor) cards[c] = undefined;
  }
  for (let m = 0; m < merchants.length; m++) {
    const merchant = merchants[m];
    if (merchant !== undefined && merchantNewestDay(merchant) < merchantFloor) merchants[m] = undefined;
  }
}

/**
 * Fraud labels waiting for their knownAt: a binary min-heap of (knownAt, merchant code,
 * transaction time), ties in push order (as they were reported).
 */
export class LabelQueue {
  private knownAt: number[] = [];
  private seq: number[] = [];
  private merchants: number[] = [];
  private times: number[] = [];
  private pushed = 0;

  get size(): number {
    return this.knownAt.length;
  }

  nextKnownAt(): number {
    return this.knownAt.length > 0 ? this.knownAt[0]! : Number.POSITIVE_INFINITY;
  }

  /** The merchant code of the next label. */
  merchant(): number {
    return this.merchants[0]!;
  }

  push(knownAt: number, merchant: number, timestamp: number): void {
    this.knownAt.push(knownAt);
    this.seq.push(this.pushed++);
    this.merchants.push(merchant);
    this.times.push(timestamp);
    let i = this.knownAt.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes the next label; returns its transaction time. */
  pop(): number {
    const top = this.times[0]!;
    const last = this.knownAt.length - 1;
    this.swap(0, last);
    this.knownAt.pop();
    this.seq.pop();
    this.merchants.pop();
    this.times.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = i;
      if (l < this.knownAt.length && this.before(l, m)) m = l;
      if (r < this.knownAt.length && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const x = this.knownAt[a]!,
      y = this.knownAt[b]!;
    return x < y || (x === y && this.seq[a]! < this.seq[b]!);
  }

  private swap(a: number, b: number): void {
    for (const arr of [this.knownAt, this.seq, this.merchants, this.times]) [arr[a], arr[b]] = [arr[b]!, arr[a]!];
  }
}
