/**
 * Decoders of the strings the observe script (app/src/redis/observe.lua) writes, into buckets.ts
 * state, and the transaction id the script looks repeats up by. The layout is
 * app/src/redis/layout.md; the record sizes below are the scripts' too (redis/buckets.lua;
 * redis-layout.test.ts checks that they agree).
 */
import { type CardBuckets, CARD_RECENT_MS, emptyCard, emptyMerchant, type MerchantBuckets } from "./buckets";

/** Size in bytes of each part of layout.md. */
export const RECORD_SIZES = {
  CARD_HEAD: 29,
  CARD_RECORD: 24,
  CARD_DAY: 16,
  MERCHANT_HEAD: 15,
  MERCHANT_BUCKET: 12,
} as const;
const { CARD_HEAD, CARD_RECORD, CARD_DAY, MERCHANT_HEAD, MERCHANT_BUCKET } = RECORD_SIZES;
/** The first byte of a body; the room in front of it is zero bytes. */
const MARKER = 1;

/**
 * A card string as buckets.ts state. Its records older than a day before its newest are there
 * to recognise repeats only: readCard skips them, so they are left out.
 */
export function decodeCard(b: Buffer): CardBuckets {
  const c = emptyCard();
  const at = b.indexOf(MARKER);
  if (at < 0) return c;
  const newest = b.readDoubleLE(at + 1);
  const nr = b.readInt32LE(at + 9);
  c.newest = newest;
  const kept = newest - CARD_RECENT_MS;
  // records newest first in the string; readCard does not depend on their order
  const first = at + CARD_HEAD;
  for (let p = first, end = first + nr * CARD_RECORD; p < end; p += CARD_RECORD) {
    const ts = b.readDoubleLE(p + 8);
    if (ts > kept) c.recent.push(ts, b.readDoubleLE(p + 16));
  }
  // days ascending: the older ones from the end of the string, then the newest (in the head)
  for (let p = b.length - CARD_DAY; p >= first + nr * CARD_RECORD; p -= CARD_DAY) {
    c.days.push(b.readInt32LE(p), b.readInt32LE(p + 4), b.readDoubleLE(p + 8));
  }
  c.days.push(b.readInt32LE(at + 13), b.readInt32LE(at + 17), b.readDoubleLE(at + 21));
  return c;
}

/** The time and cents of the card record at `position` (1-based, as the observe script replies it). */
export function cardRecordAt(b: Buffer, position: number): { ts: number; cents: number } {
  return { ts: b.readDoubleLE(position - 1 + 8), cents: b.readDoubleLE(position - 1 + 16) };
}

/** A merchant string (the newest day, the hours newest first, the other days newest first) as buckets.ts state. */
export function decodeMerchant(b: Buffer): MerchantBuckets {
  const m = emptyMerchant();
  const at = b.indexOf(MARKER);
  if (at < 0) return m;
  const nh = b.readUInt16LE(at + 1);
  const daysAt = at + MERCHANT_HEAD + nh * MERCHANT_BUCKET;
  for (let p = daysAt - MERCHANT_BUCKET; p >= at + MERCHANT_HEAD; p -= MERCHANT_BUCKET) {
    m.hours.push(b.readInt32LE(p), b.readInt32LE(p + 4), b.readInt32LE(p + 8));
  }
  for (let p = b.length - MERCHANT_BUCKET; p >= daysAt; p -= MERCHANT_BUCKET) {
    m.days.push(b.readInt32LE(p), b.readInt32LE(p + 4), b.readInt32LE(p + 8));
  }
  m.days.push(b.readInt32LE(at + 3), b.readInt32LE(at + 7), b.readInt32LE(at + 11));
  return m;
}

/** Bytes of the id written by `writeTransactionId`. */
export const TRANSACTION_ID_BYTES = 8;

/**
 * Writes at `at` the 64-bit id a card records a transaction under: a hash (cyrb53's two lanes,
 * not cryptographic) of its transactionId and its merchantId, so a repeat is one that names the
 * same transactionId, card and merchant. Two different transactions of one card share an id with
 * probability ~2^-64 per pair. The first byte is never 0 (the script finds ids with memchr on it,
 * and a card string is mostly zero bytes).
 */
export function writeTransactionId(transactionId: string, merchantId: string, out: Buffer, at: number): void {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < transactionId.length; i++) {
    const ch = transactionId.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  // a separator no UTF-16 code unit equals
  h1 = Math.imul(h1 ^ 0x10000, 2654435761);
  h2 = Math.imul(h2 ^ 0x10000, 1597334677);
  for (let i = 0; i < merchantId.length; i++) {
    const ch = merchantId.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out.writeInt32LE((h1 & 0xff) === 0 ? h1 | 1 : h1, at);
  out.writeInt32LE(h2, at + 4);
}
