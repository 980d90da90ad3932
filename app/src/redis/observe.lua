-- Observes #KEYS/3 transactions in order, each exactly as if alone. KEYS: tx, card, merchant per
-- transaction. ARGV: the id TTL (ms), the key TTL (ms), card days, merchant days and merchant
-- hours kept, the card's one-by-one window (ms); then one "timestamp hour day cents transactionId"
-- per transaction, the id last so that it may hold anything. Replies one string per transaction:
-- "<B i4 i4" (fresh 1/0, card length, merchant length), the card and merchant strings as they were
-- before it, then for a duplicate its tx value. Then records it: buckets.ts recordOnCard and
-- recordOnMerchant.
local id_ttl, key_ttl = ARGV[1], ARGV[2]
local card_days, merchant_days, merchant_hours, recent_ms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local FIRST_TX_ARG = 7
-- The TTL is set when a key gets a new day bucket, not at every write (a SET with PX cost ~1 us
-- more than one that keeps the TTL): a key expires key_ttl after the first write of its newest
-- day, at most a day before key_ttl after its last write.
local function write(key, value, new_day)
  if new_day then redis.call('SET', key, value, 'PX', key_ttl) else redis.call('SET', key, value, 'KEEPTTL') end
end
local out = {}
for j = 0, #KEYS / 3 - 1 do
  local tx_key, card_key, merchant_key = KEYS[j * 3 + 1], KEYS[j * 3 + 2], KEYS[j * 3 + 3]
  local ts, hour, day, cents, id = string.match(ARGV[FIRST_TX_ARG + j], '^(%S+) (%S+) (%S+) (%S+) (.*)$')
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
    if #card >= CARD_HEADER then newest, nr = unpack('<di4', card) end
    if t > newest then newest = t end
    local recent_end = CARD_HEADER + nr * CARD_RECENT
    local at = CARD_HEADER + 1
    while at <= recent_end and unpack('<d', card, at) <= newest - recent_ms do at = at + CARD_RECENT end
    local recent = sub(card, at, recent_end) .. pack('<dd', t, c)
    local new_day = false
    local days = bump(sub(card, recent_end + 1), CARD_DAY, day, card_days, function(rec)
      if not rec then
        new_day = true
        return pack('<i4i4d', day, 1, c)
      end
      local _, count, sum = unpack('<i4i4d', rec)
      return pack('<i4i4d', day, count + 1, sum + c)
    end)
    write(card_key, pack('<di4', newest, #recent / CARD_RECENT) .. recent .. days, new_day)

    local nh = 0
    if #merchant >= MERCHANT_HEADER then nh = unpack('<i4', merchant) end
    local hours = bump(sub(merchant, MERCHANT_HEADER + 1, MERCHANT_HEADER + nh * MERCHANT_HOUR), MERCHANT_HOUR, hour, merchant_hours, function(rec)
      if not rec then return pack('<i4i4i4', hour, 1, 0) end
      local _, count, frauds = unpack('<i4i4i4', rec)
      return pack('<i4i4i4', hour, count + 1, frauds)
    end)
    new_day = false
    local mdays = bump(sub(merchant, MERCHANT_HEADER + 1 + nh * MERCHANT_HOUR), MERCHANT_DAY, day, merchant_days, function(rec)
      if not rec then
        new_day = true
        return pack('<i4i4i4', day, 1, 0)
      end
      local _, count, frauds = unpack('<i4i4i4', rec)
      return pack('<i4i4i4', day, count + 1, frauds)
    end)
    write(merchant_key, pack('<i4', #hours / MERCHANT_HOUR) .. hours .. mdays, new_day)
  end
end
return out
