-- Observes #KEYS/3 transactions in order, each exactly as if alone. KEYS: tx, card, merchant per
-- transaction. ARGV: the id TTL (ms), the key TTL (ms), card days, merchant days and merchant
-- hours kept, the card's one-by-one window (ms); then per transaction "<dd i4 i4" (timestamp,
-- cents, UTC hour, UTC day). Replies three strings per transaction: the card and the merchant
-- strings as they were before it, then its tx value for a duplicate ('' when fresh). Then records
-- it: buckets.ts recordOnCard and recordOnMerchant.
local id_ttl, key_ttl = ARGV[1], ARGV[2]
local card_days, merchant_days, merchant_hours, recent_ms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local FIRST_TX_ARG = 7
-- The TTL is set when a key gets a new day bucket, not at every write (a SET with PX cost ~1 us
-- more than one that keeps the TTL): a key expires key_ttl after the first write of its newest
-- day, at most a day before key_ttl after its last write.
local function write(key, value, new_day)
  if new_day then redis.call('SET', key, value, 'PX', key_ttl) else redis.call('SET', key, value, 'KEEPTTL') end
end

-- recordOnCard on the string `card`; returns the new string and whether a day bucket was created.
local function record_on_card(card, t, c, day)
  local newest, nd = -math.huge, 0
  if #card >= CARD_HEADER then newest, nd = unpack('<di4', card) end
  if t > newest then newest = t end
  local key, n, sum = -math.huge, 0, 0
  if nd > 0 then key, n, sum = unpack('<i4i4d', card, CARD_HEADER + 1) end
  local first = CARD_HEADER + nd * CARD_DAY + 1
  if day >= key then
    -- Time moving forward (all but late transactions), on the strings: the newest day bucket is
    -- the first one, so it changes in place or a new one goes before it; days too old go from
    -- the end, stale single records from the front, the new record at the end.
    local at = first
    while at <= #card and unpack('<d', card, at) <= newest - recent_ms do at = at + CARD_RECENT end
    if day == key then
      if at == first then
        -- most transactions: nothing dropped, one in-place change and one record more
        return pack('<di4i4i4d', newest, nd, day, n + 1, sum + c) .. sub(card, CARD_HEADER + CARD_DAY + 1) .. pack('<dd', t, c), false
      end
      return pack('<di4i4i4d', newest, nd, day, n + 1, sum + c) .. sub(card, CARD_HEADER + CARD_DAY + 1, first - 1) .. sub(card, at) .. pack('<dd', t, c), false
    end
    local kept = nd
    while kept > 0 and unpack('<i4', card, CARD_HEADER + (kept - 1) * CARD_DAY + 1) < day - (card_days - 1) do kept = kept - 1 end
    return pack('<di4i4i4d', newest, kept + 1, day, 1, c) .. sub(card, CARD_HEADER + 1, CARD_HEADER + kept * CARD_DAY) .. sub(card, at) .. pack('<dd', t, c), true
  end
  local s = card_decode(card)
  s.newest = newest
  local drop = 0
  while drop < #s.ts and s.ts[drop + 1] <= newest - recent_ms do drop = drop + 1 end
  local ts, rc = {}, {}
  for i = drop + 1, #s.ts do ts[#ts + 1], rc[#rc + 1] = s.ts[i], s.rc[i] end
  ts[#ts + 1], rc[#rc + 1] = t, c
  s.ts, s.rc = ts, rc
  local i, created = add_to_bucket(s.days, day, card_days, s.counts, s.cents)
  if i then
    s.counts[i] = s.counts[i] + 1
    s.cents[i] = s.cents[i] + c
  end
  return card_encode(s), created
end

-- recordOnMerchant on the merchant's key holding `merchant`, written here.
local function record_on_merchant(key, merchant, hour, day)
  local nh = 0
  if #merchant >= MERCHANT_HEADER then nh = unpack('<i4', merchant) end
  local days_at = MERCHANT_HEADER + nh * MERCHANT_HOUR
  local nd = 0
  if #merchant > days_at then nd = (#merchant - days_at) / MERCHANT_DAY end
  local h, hc, hf, d, dc, df = -math.huge, 0, 0, -math.huge, 0, 0
  if nh > 0 then h, hc, hf = unpack('<i4i4i4', merchant, days_at - MERCHANT_HOUR + 1) end
  if nd > 0 then d, dc, df = unpack('<i4i4i4', merchant, days_at + 1) end
  if hour == h and day == d then
    -- most transactions: the newest hour and the newest day bucket sit side by side, and change
    -- in place (their counts and what lies between)
    redis.call('SETRANGE', key, days_at - MERCHANT_HOUR + 4, pack('<i4i4i4i4', hc + 1, hf, d, dc + 1))
    return
  end
  if hour > h and day >= d then
    -- Time moving forward, on the strings: a new newest hour at the end of the hours (hours too
    -- old go from the front), the newest day changed in place or a new one at the front of the
    -- days (days too old go from the end).
    local from = MERCHANT_HEADER + 1
    while from <= days_at and unpack('<i4', merchant, from) < hour - (merchant_hours - 1) do from = from + MERCHANT_HOUR end
    nh = (days_at + 1 - from) / MERCHANT_HOUR + 1
    local hours = sub(merchant, from, days_at) .. pack('<i4i4i4', hour, 1, 0)
    if day == d then
      write(key, pack('<i4', nh) .. hours .. pack('<i4i4i4', d, dc + 1, df) .. sub(merchant, days_at + MERCHANT_DAY + 1), false)
      return
    end
    local kept = nd
    while kept > 0 and unpack('<i4', merchant, days_at + (kept - 1) * MERCHANT_DAY + 1) < day - (merchant_days - 1) do kept = kept - 1 end
    write(key, pack('<i4', nh) .. hours .. pack('<i4i4i4', day, 1, 0) .. sub(merchant, days_at + 1, days_at + kept * MERCHANT_DAY), true)
    return
  end
  -- a late transaction
  local m = merchant_decode(merchant)
  local i = add_to_bucket(m.hours, hour, merchant_hours, m.hc, m.hf)
  if i then m.hc[i] = m.hc[i] + 1 end
  local created
  i, created = add_to_bucket(m.days, day, merchant_days, m.dc, m.df)
  if i then m.dc[i] = m.dc[i] + 1 end
  write(key, merchant_encode(m), created)
end

local out = {}
for j = 0, #KEYS / 3 - 1 do
  local tx_key, card_key, merchant_key = KEYS[j * 3 + 1], KEYS[j * 3 + 2], KEYS[j * 3 + 3]
  local t, c, hour, day = unpack('<ddi4i4', ARGV[FIRST_TX_ARG + j])
  local fresh = redis.call('SET', tx_key, pack('<ddi4', t, c, #card_key) .. card_key .. merchant_key, 'NX', 'PX', id_ttl)
  local both = redis.call('MGET', card_key, merchant_key)
  local card, merchant = both[1] or '', both[2] or ''
  out[j * 3 + 1], out[j * 3 + 2] = card, merchant
  if fresh then
    out[j * 3 + 3] = ''
    local new_card, new_day = record_on_card(card, t, c, day)
    write(card_key, new_card, new_day)
    record_on_merchant(merchant_key, merchant, hour, day)
  else
    out[j * 3 + 3] = redis.call('GET', tx_key)
  end
end
return out
