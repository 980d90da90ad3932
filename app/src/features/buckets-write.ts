/** How a transaction or a fraud label lands on the card and merchant state of buckets.ts. */
import {
  BUCKET_RECORD,
  CARD_DAYS,
  CARD_RECENT_MS,
  type CardBuckets,
  dayOf,
  hourOf,
  merchantDays,
  merchantHours,
  type MerchantBuckets,
  RECENT_RECORD,
} from "./buckets";

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

/**
 * Stale entries (below every window) are dropped only once there are at least this many, with
 * one splice: reads skip them anyway (see the top of buckets.ts), and a shift() of every field
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
