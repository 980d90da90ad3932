/** The windows of a snapshot, read from the card and merchant state on the bucket grid of buckets.ts. */
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
  type OwnTransaction,
  PREVIOUS_WITHIN_MS,
  RECENT_HOURS,
  RECENT_RECORD,
  RISK_WINDOW_DAYS,
  type SnapshotBuffer,
} from "./buckets";

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
