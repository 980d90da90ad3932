/**
 * The bucket grid every feature window is read on, and the per-card and per-merchant state kept
 * on it. Both stores hold exactly this state (the memory store as arrays, Redis as the byte
 * strings of app/src/redis/layout.md, written by observe.lua with the same rules) and read it
 * through the same functions below, so a replay through either gives the same vectors.
 *
 * A window costs O(buckets), not O(transactions):
 * - a card keeps its transactions of the last day one by one (timestamp and cents: the 1-day
 *   window and the time since the previous transaction are exact) and one bucket per UTC day
 *   (count, cents) for 30 days;
 * - a merchant keeps one bucket per UTC hour (count, known frauds) for the label delay plus two
 *   days, and one per UTC day for 30 days plus the label delay.
 *
 * Windows for a transaction at t, in hour h = floor(t / 1 h) and day d = floor(t / 1 day):
 * - card 1d: its transactions in (t - 1 day, t]; 7d and 30d: day buckets d-6..d and d-29..d;
 * - merchant 1d: hour buckets h-23..h; 7d and 30d: day buckets d-6..d and d-29..d;
 * - merchant delayed w days (w in RISK_WINDOW_DAYS), with lag L = the label delay in whole days and
 *   H = h - 24 L (the hour of t - L): the transactions and the frauds of the hours before H back to
 *   H - 24 w. The 1-day window is read from hour buckets; a longer one from hour buckets back to
 *   the start of the day of H - 24 and from the whole days before that which start inside the
 *   window (its oldest partial day is left out). Every such transaction happened at least L days
 *   before t, so with a fixed delay all their labels are known: the ratio is the merchant's fraud
 *   rate of that period, not one diluted by unknown labels. Hours rather than days at the recent
 *   edge: on the Handbook's data, windows snapped to whole days cost 0.011 AUC and 0.017 average
 *   precision against exact sliding ones.
 * State is "as if trimmed at every write": whatever lies below a window floor taken from the
 * newest entry is never read, whether a store has dropped it yet or not. A transaction that
 * arrives late reads the buckets up to its own (same-bucket entries after it included: the grid
 * is the resolution).
 */
import { DAY_MS } from "../domain/time";
/** A snapshot being filled in: the offline pass reuses one for every row. */
export interface SnapshotBuffer {
  cardCounts: [number, number, number];
  cardCents: [number, number, number];
  cardPreviousAt: number;
  merchantCounts: [number, number, number];
  merchantDelayedCounts: [number, number, number, number];
  merchantDelayedFrauds: [number, number, number, number];
  merchantRecentFrauds: [number, number];
}

export const newSnapshot = (): SnapshotBuffer => ({
  cardCounts: [0, 0, 0],
  cardCents: [0, 0, 0],
  cardPreviousAt: Number.NaN,
  merchantCounts: [0, 0, 0],
  merchantDelayedCounts: [0, 0, 0, 0],
  merchantDelayedFrauds: [0, 0, 0, 0],
  merchantRecentFrauds: [0, 0],
});

export const HOUR_MS = 3_600_000;
export { DAY_MS };
/** Windows of the card and merchant counts, in days (1 is read on the finer grid). */
export const WINDOW_DAYS = [1, 7, 30] as const;
/** Windows of the delay-shifted merchant fraud risk, in days. */
export const RISK_WINDOW_DAYS = [1, 7, 14, 30] as const;
/** Day buckets a card keeps: the 30-day window. */
export const CARD_DAYS = 30;
/** Hours of the merchant's recent 1-day count. */
export const RECENT_HOURS = 24;
/** How long a card's single transactions are kept, behind its newest. */
export const CARD_RECENT_MS = DAY_MS;
/** How far back the previous card transaction is looked for (older: none). */
export const PREVIOUS_WITHIN_MS = 30 * DAY_MS;

// A module's own constant: under tsx (CommonJS), each use of an imported one is a getter call,
// 2% of the offline replay's time when dayOf read DAY_MS from domain/time.
const DAY = DAY_MS;
export const hourOf = (t: number): number => Math.floor(t / HOUR_MS);
export const dayOf = (t: number): number => Math.floor(t / DAY);

/** The label delay as the whole days the merchant risk windows are shifted by. */
export function riskLagDays(labelDelayMs: number): number {
  return Math.ceil(labelDelayMs / DAY_MS);
}

/** Day buckets a merchant keeps for a lag: the longest delayed window reaches d - L - 30. */
export function merchantDays(lagDays: number): number {
  return lagDays + RISK_WINDOW_DAYS[RISK_WINDOW_DAYS.length - 1] + 1;
}

/** Hour buckets a merchant keeps for a lag: back to the start of the day of H - 24 (at most 24 L + 47 hours). */
export function merchantHours(lagDays: number): number {
  return 24 * (lagDays + 2);
}

/**
 * A card's state. Each series is one flat array of fixed-size records, so that recording a
 * transaction touches two arrays of one card rather than five (the offline replay's time went
 * mostly into scattered per-field arrays): `recent` holds (timestamp, cents) pairs in arrival
 * order, `days` (day, count, cents) triples ascending by day.
 */
export interface CardBuckets {
  /** Newest transaction time ever recorded (-Infinity when none). */
  newest: number;
  recent: number[];
  days: number[];
}

/** A merchant's state: (hour, count, frauds) and (day, count, frauds) triples, ascending. */
export interface MerchantBuckets {
  hours: number[];
  days: number[];
}

/** Numbers per record of `CardBuckets.recent`. */
export const RECENT_RECORD = 2;
/** Numbers per bucket of every bucket series: key, count, then cents (card) or frauds (merchant). */
export const BUCKET_RECORD = 3;

/**
 * A duplicate's first observation, left out of its own snapshot. A repeat is one with the same
 * transactionId, card and merchant (one naming another card or merchant is another transaction),
 * so it was recorded on this card and this merchant.
 */
export interface OwnTransaction {
  readonly ts: number;
  readonly cents: number;
}

export const emptyCard = (): CardBuckets => ({ newest: -Infinity, recent: [], days: [] });
export const emptyMerchant = (): MerchantBuckets => ({ hours: [], days: [] });

/** Offset of bucket `key` in an ascending bucket series, or -(insertion offset) - 1. */
function find(s: readonly number[], key: number): number {
  // the newest bucket is by far the most asked for
  let hi = s.length / BUCKET_RECORD - 1;
  if (hi >= 0 && s[hi * BUCKET_RECORD] === key) return hi * BUCKET_RECORD;
  let lo = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = s[mid * BUCKET_RECORD]!;
    if (k < key) lo = mid + 1;
    else if (k > key) hi = mid - 1;
    else return mid * BUCKET_RECORD;
  }
  return -lo * BUCKET_RECORD - 1;
}

/** Fills the card part of the snapshot at t into `out`. */
export function readCard(out: SnapshotBuffer, t: number, c: CardBuckets, own?: OwnTransaction): void {
  // the single records a store keeps: within a day of the newest (see recordOnCard)
  const kept = c.newest - CARD_RECENT_MS;
  const from1 = t - CARD_RECENT_MS;
  const previousFloor = t - PREVIOUS_WITHIN_MS;
  let ownTs = own ? own.ts : Number.NaN;
  const ownCents = own ? own.cents : Number.NaN;
  let n1 = 0,
    c1 = 0;
  let previous = Number.NaN;
  const recent = c.recent;
  for (let i = 0; i < recent.length; i += RECENT_RECORD) {
    const ts = recent[i]!;
    if (ts <= kept || ts > t) continue;
    const cents = recent[i + 1]!;
    if (ts === ownTs && cents === ownCents) {
      ownTs = Number.NaN;
      continue;
    }
    if (ts > from1) {
      n1++;
      c1 += cents;
    }
    if (ts >= previousFloor && !(ts <= previous)) previous = ts;
  }
  const d = dayOf(t);
  const floor = Math.max(d, dayOf(c.newest)) - (CARD_DAYS - 1);
  let n7 = 0,
    c7 = 0,
    n30 = 0,
    c30 = 0;
  const ownDay = own ? dayOf(own.ts) : Number.NaN;
  const days = c.days;
  for (let i = days.length - BUCKET_RECORD; i >= 0; i -= BUCKET_RECORD) {
    const day = days[i]!;
    if (day > d) continue;
    if (day < floor || day < d - 29) break;
    let n = days[i + 1]!;
    let cents = days[i + 2]!;
    if (day === ownDay && n > 0) {
      n--;
      cents -= own!.cents;
    }
    n30 += n;
    c30 += cents;
    if (day >= d - 6) {
      n7 += n;
      c7 += cents;
    }
  }
  out.cardCounts[0] = n1;
  out.cardCounts[1] = n7;
  out.cardCounts[2] = n30;
  out.cardCents[0] = c1;
  out.cardCents[1] = c7;
  out.cardCents[2] = c30;
  out.cardPreviousAt = previous;
}

/** Fills the merchant part of the snapshot at t into `out`, the risk windows shifted by `lagDays`. */
export function readMerchant(out: SnapshotBuffer, t: number, m: MerchantBuckets, lagDays: number, own?: OwnTransaction): void {
  const ownHour = own ? hourOf(own.ts) : Number.NaN;
  const ownDay = own ? dayOf(own.ts) : Number.NaN;
  const counts = out.merchantDelayedCounts;
  const frauds = out.merchantDelayedFrauds;
  counts.fill(0);
  frauds.fill(0);
  const h = hourOf(t);
  // the delayed windows end before the hour of t - L; hours serve them back to `split`
  const end = h - 24 * lagDays;
  const split = 24 * Math.floor((end - 24) / 24);
  const hours = m.hours;
  const newestHour = hours.length > 0 ? hours[hours.length - BUCKET_RECORD]! : h;
  const hourFloor = Math.max(h, newestHour) - (merchantHours(lagDays) - 1);
  let m1 = 0,
    f1 = 0;
  // each record is added to the smallest delayed window holding it; the sums over windows follow
  let w = 0;
  for (let i = hours.length - BUCKET_RECORD; i >= 0; i -= BUCKET_RECORD) {
    const hour = hours[i]!;
    if (hour > h) continue;
    if (hour < hourFloor || hour < split) break;
    let n = hours[i + 1]!;
    const f = hours[i + 2]!;
    if (hour === ownHour && n > 0) n--;
    if (hour > h - RECENT_HOURS) {
      m1 += n;
      f1 += f;
    }
    if (hour < end) {
      // records come newest first: the smallest window holding one only grows
      while (w < RISK_WINDOW_DAYS.length && hour < end - 24 * RISK_WINDOW_DAYS[w]!) w++;
      if (w < RISK_WINDOW_DAYS.length) {
        counts[w] += n;
        frauds[w] += f;
      }
    }
  }
  const d = dayOf(t);
  const days = m.days;
  const newestDay = days.length > 0 ? days[days.length - BUCKET_RECORD]! : d;
  const floor = Math.max(d, newestDay) - (merchantDays(lagDays) - 1);
  const lastRiskDay = split / 24 - 1;
  let m7 = 0,
    m30 = 0,
    f7 = 0;
  for (let i = days.length - BUCKET_RECORD; i >= 0; i -= BUCKET_RECORD) {
    const day = days[i]!;
    if (day > d) continue;
    if (day < floor) break;
    let n = days[i + 1]!;
    const f = days[i + 2]!;
    if (day === ownDay && n > 0) n--;
    if (day >= d - 29) {
      m30 += n;
      if (day >= d - 6) {
        m7 += n;
        f7 += f;
      }
    }
    if (day <= lastRiskDay) {
      // whole days from the window's start on (the 1-day window lies in the hours)
      if (w < 1) w = 1;
      while (w < RISK_WINDOW_DAYS.length && 24 * day < end - 24 * RISK_WINDOW_DAYS[w]!) w++;
      if (w < RISK_WINDOW_DAYS.length) {
        counts[w] += n;
        frauds[w] += f;
      }
    }
  }
  for (let k = 1; k < RISK_WINDOW_DAYS.length; k++) {
    counts[k] += counts[k - 1]!;
    frauds[k] += frauds[k - 1]!;
  }
  out.merchantCounts[0] = m1;
  out.merchantCounts[1] = m7;
  out.merchantCounts[2] = m30;
  out.merchantRecentFrauds[0] = f1;
  out.merchantRecentFrauds[1] = f7;
}

/** The newest day holding a transaction or label of the merchant (-Infinity when none). */
export function merchantNewestDay(m: MerchantBuckets): number {
  return m.days.length > 0 ? m.days[m.days.length - BUCKET_RECORD]! : -Infinity;
}

/**
 * Stale entries (below every window) are dropped only once there are at least this many, with
 * one splice: reads skip them anyway (see the top of this file), and a shift() of every field
 * array on nearly every write was a sixth of the offline replay's time.
 */
const TRIM_RUN = 16;

/** Records a transaction on a card (observe.lua's card update). */
export function recordOnCard(c: CardBuckets, t: number, cents: number): void {
  if (t > c.newest) c.newest = t;
  // stale single records go from the front; one behind a fresher record waits (readCard skips it)
  const recent = c.recent;
  const floor = c.newest - CARD_RECENT_MS;
  if (recent.length >= TRIM_RUN * RECENT_RECORD && recent[0]! <= floor) {
    let drop = RECENT_RECORD;
    while (drop < recent.length && recent[drop]! <= floor) drop += RECENT_RECORD;
    recent.splice(0, drop);
  }
  recent.push(t, cents);
  const at = addToBucket(c.days, dayOf(t), CARD_DAYS);
  if (at >= 0) {
    c.days[at + 1]! += 1;
    c.days[at + 2]! += cents;
  }
}

/** Records a transaction on a merchant. */
export function recordOnMerchant(m: MerchantBuckets, t: number, lagDays: number): void {
  const hour = addToBucket(m.hours, hourOf(t), merchantHours(lagDays));
  if (hour >= 0) m.hours[hour + 1]! += 1;
  const day = addToBucket(m.days, dayOf(t), merchantDays(lagDays));
  if (day >= 0) m.days[day + 1]! += 1;
}

/**
 * Adds `delta` (+1 a fraud label, -1 its withdrawal) to the frauds of the merchant's hour and day
 * buckets of a transaction at `ts`: each created when missing and within what the merchant keeps,
 * never below zero. Trims nothing.
 */
export function addFraud(m: MerchantBuckets, ts: number, delta: 1 | -1, lagDays: number): void {
  addFraudTo(m.hours, hourOf(ts), delta, merchantHours(lagDays));
  addFraudTo(m.days, dayOf(ts), delta, merchantDays(lagDays));
}

function addFraudTo(s: number[], key: number, delta: 1 | -1, keep: number): void {
  let at = find(s, key);
  if (at < 0) {
    if (delta < 0 || (s.length > 0 && key < s[s.length - BUCKET_RECORD]! - (keep - 1))) return;
    at = -at - 1;
    s.splice(at, 0, key, 0, 0);
  }
  s[at + 2] = Math.max(0, s[at + 2]! + delta);
}

/**
 * The offset of bucket `key` in an ascending bucket series, created at zero when missing. -1 when
 * `key` is more than `keep - 1` behind the newest (a transaction older than any window that could
 * read it).
 */
function addToBucket(s: number[], key: number, keep: number): number {
  let last = s.length - BUCKET_RECORD;
  // the newest bucket is by far the most written; adding to it makes nothing stale
  if (last >= 0 && s[last] === key) return last;
  const newest = last >= 0 && s[last]! > key ? s[last]! : key;
  const floor = newest - (keep - 1);
  if (key < floor) return -1;
  if (last >= (TRIM_RUN - 1) * BUCKET_RECORD && s[(TRIM_RUN - 1) * BUCKET_RECORD]! < floor) {
    let drop = TRIM_RUN * BUCKET_RECORD;
    while (drop < s.length && s[drop]! < floor) drop += BUCKET_RECORD;
    s.splice(0, drop);
    last -= drop;
  }
  if (last < 0 || s[last]! < key) {
    s.push(key, 0, 0);
    return last + BUCKET_RECORD;
  }
  let at = find(s, key);
  if (at < 0) {
    at = -at - 1;
    s.splice(at, 0, key, 0, 0);
  }
  return at;
}
