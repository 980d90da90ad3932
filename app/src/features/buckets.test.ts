/**
 * The stores drop stale buckets and records lazily (buckets.ts, TRIM_RUN): reads must give exactly
 * what state trimmed at every write gives, as the Redis script keeps it. The reference here trims
 * a copy of the state to the floors after every write; a simulated stream with late transactions,
 * labels and withdrawn labels goes through both, and every read is compared bit for bit.
 */
import { describe, expect, it } from "vitest";
import { seededRandom } from "../testing/random";
import {
  BUCKET_RECORD,
  CARD_DAYS,
  CARD_RECENT_MS,
  type CardBuckets,
  DAY_MS,
  dayOf,
  emptyCard,
  emptyMerchant,
  merchantDays,
  merchantHours,
  type MerchantBuckets,
  newSnapshot,
  type OwnTransaction,
  RECENT_RECORD,
  type SnapshotBuffer,
} from "./buckets";
import { readCard, readMerchant } from "./buckets-read";
import { addFraud, recordOnCard, recordOnMerchant } from "./buckets-write";

/** The buckets of an ascending series that are no more than `keep - 1` behind its newest. */
function trimSeries(s: readonly number[], keep: number): number[] {
  if (s.length === 0) return [];
  const floor = s[s.length - BUCKET_RECORD]! - (keep - 1);
  const out: number[] = [];
  for (let i = 0; i < s.length; i += BUCKET_RECORD) if (s[i]! >= floor) out.push(s[i]!, s[i + 1]!, s[i + 2]!);
  return out;
}

function trimmedCard(c: CardBuckets): CardBuckets {
  const recent: number[] = [];
  for (let i = 0; i < c.recent.length; i += RECENT_RECORD)
    if (c.recent[i]! > c.newest - CARD_RECENT_MS) recent.push(c.recent[i]!, c.recent[i + 1]!);
  return { newest: c.newest, recent, days: trimSeries(c.days, CARD_DAYS) };
}

function trimmedMerchant(m: MerchantBuckets, lag: number): MerchantBuckets {
  return { hours: trimSeries(m.hours, merchantHours(lag)), days: trimSeries(m.days, merchantDays(lag)) };
}

const T0 = Date.UTC(2024, 0, 1);

describe("lazily trimmed bucket state", () => {
  it.each([0, 7])("reads exactly as state trimmed at every write (label delay %i days)", (lagDays) => {
    const rand = seededRandom(11 + lagDays);
    const cards = Array.from({ length: 6 }, emptyCard);
    const merchants = Array.from({ length: 4 }, emptyMerchant);
    const history: { ts: number; cents: number; card: number; merchant: number }[] = [];
    const fraud = new Set<number>();
    const a = newSnapshot();
    const b = newSnapshot();
    let t = T0;
    let compared = 0,
      late = 0,
      trimmed = 0,
      withdrawn = 0;
    const compare = (at: number, card: number, merchant: number, own?: OwnTransaction) => {
      readCard(a, at, cards[card]!, own);
      readCard(b, at, trimmedCard(cards[card]!), own);
      readMerchant(a, at, merchants[merchant]!, lagDays, own);
      readMerchant(b, at, trimmedMerchant(merchants[merchant]!, lagDays), lagDays, own);
      expectSame(a, b, `t=${at} card ${card} merchant ${merchant}`);
      compared++;
    };
    for (let i = 0; i < 6000; i++) {
      t += Math.floor(rand() * 40 * 60_000); // ~ 80 days in all
      const r = rand();
      // 10%: up to 3 days late (some older than every window that could read them)
      const ts = r < 0.1 ? t - Math.floor(rand() * 3 * DAY_MS) : t;
      if (ts < t) late++;
      const card = Math.floor(rand() * cards.length);
      const merchant = Math.floor(rand() ** 2 * merchants.length);
      const cents = 1 + Math.floor(rand() * 50_000);
      compare(ts, card, merchant);
      const before = cards[card]!.days.length + merchants[merchant]!.hours.length;
      recordOnCard(cards[card]!, ts, cents);
      recordOnMerchant(merchants[merchant]!, ts, lagDays);
      if (cards[card]!.days.length + merchants[merchant]!.hours.length < before) trimmed++;
      history.push({ ts, cents, card, merchant });
      // a retry of an earlier transaction reads without it
      if (rand() < 0.05) {
        const h = history[Math.max(0, history.length - 1 - Math.floor(rand() * 50))]!;
        compare(t, h.card, h.merchant, { ts: h.ts, cents: h.cents });
      }
      // labels: a fraud report on a recent transaction, sometimes withdrawn later
      if (rand() < 0.08) {
        const k = history.length - 1 - Math.floor(rand() * Math.min(history.length, 100));
        const h = history[k]!;
        if (fraud.has(k)) {
          fraud.delete(k);
          addFraud(merchants[h.merchant]!, h.ts, -1, lagDays);
          withdrawn++;
        } else {
          fraud.add(k);
          addFraud(merchants[h.merchant]!, h.ts, 1, lagDays);
        }
      }
      // reads at times after the newest, where the delayed windows reach the labelled hours
      if (i % 10 === 0) compare(t + Math.floor(rand() * (lagDays + 2) * DAY_MS), card, merchant);
    }
    expect(compared).toBeGreaterThan(6500);
    expect(late).toBeGreaterThan(400);
    expect(trimmed).toBeGreaterThan(50);
    expect(withdrawn).toBeGreaterThan(10);
    // the stale records a lazily trimmed store keeps are bounded
    for (const m of merchants) expect(m.hours.length / BUCKET_RECORD).toBeLessThan(merchantHours(lagDays) + 16);
    for (const c of cards) expect(c.recent.length / RECENT_RECORD).toBeLessThan(200);
    expect(dayOf(t) - dayOf(T0)).toBeGreaterThan(60);
  });
});

function expectSame(a: SnapshotBuffer, b: SnapshotBuffer, where: string): void {
  for (const key of Object.keys(a) as (keyof SnapshotBuffer)[]) {
    const x = a[key],
      y = b[key];
    const xs = Array.isArray(x) ? x : [x];
    const ys = Array.isArray(y) ? y : [y];
    for (let i = 0; i < xs.length; i++) if (!Object.is(xs[i], ys[i])) throw new Error(`${where}: ${key}[${i}] ${xs[i]} vs ${ys[i]}`);
  }
}
