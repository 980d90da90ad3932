/**
 * How the Redis store lays out the bucket state of buckets.ts, and the scripts that update it
 * with the same rules as the functions there (the memory store's). Keys, under the store's prefix
 * (default "fraud:v3:"):
 *
 *   tx:{transactionId}      the first observation: "<dd i4" timestamp, cents, card key length,
 *                           then the card key and the merchant key. SET NX for idempotency,
 *                           TTL idTtlMs.
 *   card:{cardId}           "<d i4" newest timestamp, n; n single records "<dd" (timestamp,
 *                           cents) in arrival order; then day buckets "<i4 i4 d" (UTC day,
 *                           count, cents), ascending. TTL keyTtlMs from the first write of its
 *                           newest day.
 *   merchant:{merchantId}   "<i4" n; n hour buckets "<i4 i4 i4" (UTC hour, count, frauds),
 *                           ascending; then day buckets "<i4 i4 i4" (UTC day, count, frauds),
 *                           ascending. TTL keyTtlMs from the first write of its newest day (or
 *                           the last label).
 *   label:{transactionId}   "{knownAt} fraud|legit {hour} {day}": the label standing (orders late
 *                           reports) and the buckets of its transaction.
 *
 * A key is one string read whole and decoded by the caller: Redis pays one GET and one SET per key
 * and a transaction, whatever the history, and the window sums run in the API, not in Lua
 * (measured in Lua at ~0.2 us a record read). Memory is bounded by buckets, not transactions.
 */
import { CARD_RECENT_MS, type CardBuckets, type MerchantBuckets } from "./buckets";

/** Size in bytes of the records above. */
const CARD_HEADER = 12;
const CARD_RECENT = 16;
const CARD_DAY = 16;
const MERCHANT_HEADER = 4;
const MERCHANT_HOUR = 12;
const MERCHANT_DAY = 12;

// Shared by both scripts. `bump(section, size, key, keep, make)`: the section of fixed-size records
// (each starting with its int32 key, ascending) with record `key` replaced by make(old record or
// nil), after the records more than keep - 1 behind the newest are dropped; unchanged when `key`
// itself is that far behind. buckets.ts `addToBucket` does the same.
const PRELUDE = `
local pack, unpack, sub = struct.pack, struct.unpack, string.sub
local function bump(sec, size, key, keep, make)
  local n = #sec / size
  local newest = key
  if n > 0 then
    local last = unpack('<i4', sec, (n - 1) * size + 1)
    if last > newest then newest = last end
  end
  local floor = newest - (keep - 1)
  if key < floor then return sec end
  local first = 1
  while first <= #sec and unpack('<i4', sec, first) < floor do first = first + size end
  if first > 1 then
    sec = sub(sec, first)
    n = #sec / size
  end
  local i = n
  while i >= 1 and unpack('<i4', sec, (i - 1) * size + 1) > key do i = i - 1 end
  if i >= 1 and unpack('<i4', sec, (i - 1) * size + 1) == key then
    return sub(sec, 1, (i - 1) * size) .. make(sub(sec, (i - 1) * size + 1, i * size)) .. sub(sec, i * size + 1)
  end
  return sub(sec, 1, i * size) .. make(nil) .. sub(sec, i * size + 1)
end
`;

// Observes KEYS/3 transactions in order, each exactly as if alone (3 keys: tx, card, merchant;
// after 5 shared ARGV one each: "timestamp hour day cents transactionId", the id last so that it
// may hold anything). Replies one string per transaction: "<B i4 i4" (fresh 1/0, card length,
// merchant length), the card and merchant strings as they were before it, then for a duplicate
// its tx value. Then records it: buckets.ts recordOnCard and recordOnMerchant.
export const OBSERVE_LUA = `${PRELUDE}
local id_ttl, key_ttl, card_days, merchant_days, merchant_hours = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local recent_ms = ${CARD_RECENT_MS}
-- The TTL is set when a key gets a new day bucket, not at every write (a SET with PX cost ~1 us
-- more than one that keeps the TTL): a key expires key_ttl after the first write of its newest
-- day, at most a day before key_ttl after its last write.
local function write(key, value, new_day)
  if new_day then redis.call('SET', key, value, 'PX', key_ttl) else redis.call('SET', key, value, 'KEEPTTL') end
end
local out = {}
for j = 0, #KEYS / 3 - 1 do
  local tx_key, card_key, merchant_key = KEYS[j * 3 + 1], KEYS[j * 3 + 2], KEYS[j * 3 + 3]
  local ts, hour, day, cents, id = string.match(ARGV[6 + j], '^(%S+) (%S+) (%S+) (%S+) (.*)$')
  local t, c = tonumber(ts), tonumber(cents)
  hour, day = tonumber(hour), tonumber(day)
  local fresh = redis.call('SET', tx_key, pack('<ddi4', t, c, #card_key) .. card_key .. merchant_key, 'NX', 'PX', id_ttl)
  local card = redis.call('GET', card_key) or ''
  local merchant = redis.call('GET', merchant_key) or ''
  local self_tx = ''
  if not fresh then self_tx = redis.call('GET', tx_key) end
  out[j + 1] = pack('<Bi4i4', fresh and 1 or 0, #card, #merchant) .. card .. merchant .. self_tx

  if fresh then
    local newest, nr = -math.huge, 0
    if #card >= ${CARD_HEADER} then newest, nr = unpack('<di4', card) end
    if t > newest then newest = t end
    local recent_end = ${CARD_HEADER} + nr * ${CARD_RECENT}
    local at = ${CARD_HEADER + 1}
    while at <= recent_end and unpack('<d', card, at) <= newest - recent_ms do at = at + ${CARD_RECENT} end
    local recent = sub(card, at, recent_end) .. pack('<dd', t, c)
    local new_day = false
    local days = bump(sub(card, recent_end + 1), ${CARD_DAY}, day, card_days, function(rec)
      if not rec then
        new_day = true
        return pack('<i4i4d', day, 1, c)
      end
      local _, count, sum = unpack('<i4i4d', rec)
      return pack('<i4i4d', day, count + 1, sum + c)
    end)
    write(card_key, pack('<di4', newest, #recent / ${CARD_RECENT}) .. recent .. days, new_day)

    local nh = 0
    if #merchant >= ${MERCHANT_HEADER} then nh = unpack('<i4', merchant) end
    local hours = bump(sub(merchant, ${MERCHANT_HEADER + 1}, ${MERCHANT_HEADER} + nh * ${MERCHANT_HOUR}), ${MERCHANT_HOUR}, hour, merchant_hours, function(rec)
      if not rec then return pack('<i4i4i4', hour, 1, 0) end
      local _, count, frauds = unpack('<i4i4i4', rec)
      return pack('<i4i4i4', hour, count + 1, frauds)
    end)
    new_day = false
    local mdays = bump(sub(merchant, ${MERCHANT_HEADER + 1} + nh * ${MERCHANT_HOUR}), ${MERCHANT_DAY}, day, merchant_days, function(rec)
      if not rec then
        new_day = true
        return pack('<i4i4i4', day, 1, 0)
      end
      local _, count, frauds = unpack('<i4i4i4', rec)
      return pack('<i4i4i4', day, count + 1, frauds)
    end)
    write(merchant_key, pack('<i4', #hours / ${MERCHANT_HOUR}) .. hours .. mdays, new_day)
  end
end
return out
`;

// A label report (fraud or legit) for one transaction. KEYS: the merchant, the transaction's label
// state. ARGV: the transaction's UTC hour and day, knownAt, the key TTL, "fraud" or "legit", the
// merchant's hour and day buckets kept. Reports apply in knownAt order (see
// FeatureStore.recordFraudLabel): one known no later than the standing label changes nothing, at
// equal times legit stands. A standing fraud that gives way leaves its buckets' frauds; a fraud
// adds to them (buckets.ts addFraud). Returns 1 when it applied.
export const LABEL_LUA = `${PRELUDE}
local hour, day, known, ttl, kind = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local keep_hours, keep_days = tonumber(ARGV[6]), tonumber(ARGV[7])
local m = redis.call('GET', KEYS[1]) or ''
local nh = 0
if #m >= ${MERCHANT_HEADER} then nh = unpack('<i4', m) end
local sections = { sub(m, ${MERCHANT_HEADER + 1}, ${MERCHANT_HEADER} + nh * ${MERCHANT_HOUR}), sub(m, ${MERCHANT_HEADER + 1} + nh * ${MERCHANT_HOUR}) }
local size = ${MERCHANT_DAY}
local function add_fraud(s, key, delta, keep)
  local sec = sections[s]
  local n = #sec / size
  local i = n
  while i >= 1 and unpack('<i4', sec, (i - 1) * size + 1) > key do i = i - 1 end
  if i >= 1 and unpack('<i4', sec, (i - 1) * size + 1) == key then
    local _, count, frauds = unpack('<i4i4i4', sec, (i - 1) * size + 1)
    sections[s] = sub(sec, 1, (i - 1) * size) .. pack('<i4i4i4', key, count, math.max(0, frauds + delta)) .. sub(sec, i * size + 1)
    return
  end
  if delta < 0 then return end
  if n > 0 and key < unpack('<i4', sec, (n - 1) * size + 1) - (keep - 1) then return end
  sections[s] = sub(sec, 1, i * size) .. pack('<i4i4i4', key, 0, 1) .. sub(sec, i * size + 1)
end
local function add_both(h, d, delta)
  add_fraud(1, h, delta, keep_hours)
  add_fraud(2, d, delta, keep_days)
end
local state = redis.call('GET', KEYS[2])
if state then
  local was_known, was, was_hour, was_day = string.match(state, '^(%S+) (%a+) (%S+) (%S+)$')
  local a, b = tonumber(known), tonumber(was_known)
  if a < b or (a == b and (kind == was or kind == 'fraud')) then return 0 end
  if was == 'fraud' then add_both(tonumber(was_hour), tonumber(was_day), -1) end
end
redis.call('SET', KEYS[2], known .. ' ' .. kind .. ' ' .. hour .. ' ' .. day, 'PX', ttl)
if kind == 'fraud' then add_both(hour, day, 1) end
local merchant = pack('<i4', #sections[1] / size) .. sections[1] .. sections[2]
if merchant ~= m and (#m > 0 or #sections[1] + #sections[2] > 0) then redis.call('SET', KEYS[1], merchant, 'PX', ttl) end
return 1
`;

/** Bytes before the card string in a transaction's reply: fresh (1 byte), two int32 lengths. */
export const REPLY_HEADER = 9;

/** A card string (as the observe script writes it) as buckets.ts state. */
export function decodeCard(b: Buffer): CardBuckets {
  const c: CardBuckets = { newest: -Infinity, recentTs: [], recentCents: [], days: [], dayCounts: [], dayCents: [] };
  if (b.length < CARD_HEADER) return c;
  c.newest = b.readDoubleLE(0);
  const n = b.readInt32LE(8);
  let at = CARD_HEADER;
  for (let i = 0; i < n; i++, at += CARD_RECENT) {
    c.recentTs.push(b.readDoubleLE(at));
    c.recentCents.push(b.readDoubleLE(at + 8));
  }
  for (; at + CARD_DAY <= b.length; at += CARD_DAY) {
    c.days.push(b.readInt32LE(at));
    c.dayCounts.push(b.readInt32LE(at + 4));
    c.dayCents.push(b.readDoubleLE(at + 8));
  }
  return c;
}

/** A merchant string as buckets.ts state. */
export function decodeMerchant(b: Buffer): MerchantBuckets {
  const m: MerchantBuckets = { hours: [], hourCounts: [], hourFrauds: [], days: [], dayCounts: [], dayFrauds: [] };
  if (b.length < MERCHANT_HEADER) return m;
  const n = b.readInt32LE(0);
  let at = MERCHANT_HEADER;
  for (let i = 0; i < n; i++, at += MERCHANT_HOUR) {
    m.hours.push(b.readInt32LE(at));
    m.hourCounts.push(b.readInt32LE(at + 4));
    m.hourFrauds.push(b.readInt32LE(at + 8));
  }
  for (; at + MERCHANT_DAY <= b.length; at += MERCHANT_DAY) {
    m.days.push(b.readInt32LE(at));
    m.dayCounts.push(b.readInt32LE(at + 4));
    m.dayFrauds.push(b.readInt32LE(at + 8));
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
