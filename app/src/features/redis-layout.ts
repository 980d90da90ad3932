/**
 * Decoders of the strings the observe script (app/src/redis/observe.lua) writes, into buckets.ts
 * state. The layout is app/src/redis/layout.md; the record sizes below are the scripts' too
 * (redis/buckets.lua; redis-layout.test.ts checks that they agree).
 */
import { type CardBuckets, emptyCard, emptyMerchant, type MerchantBuckets } from "./buckets";

/** Size in bytes of each record of layout.md. */
export const RECORD_SIZES = {
  CARD_HEADER: 12,
  CARD_RECENT: 16,
  CARD_DAY: 16,
  MERCHANT_HEADER: 4,
  MERCHANT_HOUR: 12,
  MERCHANT_DAY: 12,
} as const;
const { CARD_HEADER, CARD_RECENT, CARD_DAY, MERCHANT_HEADER, MERCHANT_HOUR, MERCHANT_DAY } = RECORD_SIZES;

/** A card string (as the observe script writes it: days newest first) as buckets.ts state. */
export function decodeCard(b: Buffer): CardBuckets {
  const c = emptyCard();
  if (b.length < CARD_HEADER) return c;
  c.newest = b.readDoubleLE(0);
  const nd = b.readInt32LE(8);
  for (let i = nd - 1; i >= 0; i--) {
    const at = CARD_HEADER + i * CARD_DAY;
    c.days.push(b.readInt32LE(at), b.readInt32LE(at + 4), b.readDoubleLE(at + 8));
  }
  for (let at = CARD_HEADER + nd * CARD_DAY; at + CARD_RECENT <= b.length; at += CARD_RECENT) {
    c.recent.push(b.readDoubleLE(at), b.readDoubleLE(at + 8));
  }
  return c;
}

/** A merchant string (hours oldest first, then days newest first) as buckets.ts state. */
export function decodeMerchant(b: Buffer): MerchantBuckets {
  const m = emptyMerchant();
  if (b.length < MERCHANT_HEADER) return m;
  const nh = b.readInt32LE(0);
  let at = MERCHANT_HEADER;
  for (let i = 0; i < nh; i++, at += MERCHANT_HOUR) {
    m.hours.push(b.readInt32LE(at), b.readInt32LE(at + 4), b.readInt32LE(at + 8));
  }
  for (let d = b.length - MERCHANT_DAY; d >= at; d -= MERCHANT_DAY) {
    m.days.push(b.readInt32LE(d), b.readInt32LE(d + 4), b.readInt32LE(d + 8));
  }
  return m;
}

/** A tx value: the first observation's time, cents and the keys it was recorded under. */
export function decodeTxValue(b: Buffer): { ts: number; cents: number; cardKey: string; merchantKey: string } | undefined {
  if (b.length < 20) return undefined;
  const cardKeyLength = b.readInt32LE(16);
  return {
    ts: b.readDoubleLE(0),
    cents: b.readDoubleLE(8),
    cardKey: b.toString("utf8", 20, 20 + cardKeyLength),
    merchantKey: b.toString("utf8", 20 + cardKeyLength),
  };
}
