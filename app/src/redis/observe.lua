-- Observes #KEYS/2 transactions in order, each exactly as if alone. KEYS: card, merchant per
-- transaction. ARGV: the key TTL (ms), how long a card remembers a transaction (ms), card days,
-- merchant days and merchant hours kept; then per transaction "<ddi4i4c8" (timestamp, cents, UTC
-- hour, UTC day, and its id: a hash of the transactionId and the merchant). Replies three values
-- per transaction: the card and the merchant strings as they were before it, then 0 when it is
-- new or, for a repeat, the position (1-based) in that card string of the record of its first
-- observation. A new one is recorded: buckets.ts recordOnCard and recordOnMerchant.
local key_ttl, id_ms = ARGV[1], tonumber(ARGV[2])
local card_days, merchant_days, merchant_hours = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local FIRST_TX_ARG = 6
-- The TTL is set when a key gets a new day bucket, not at every write (a SET with PX cost ~1 us
-- more than one that keeps the TTL): a key expires key_ttl after the first write of its newest
-- day, at most a day before key_ttl after its last write.
local function write(key, value, new_day)
  if new_day then redis.call('SET', key, value, 'PX', key_ttl) else redis.call('SET', key, value, 'KEEPTTL') end
end

-- The position of the record with id `id` among the `nr` records from `first`, or 0.
local function find_record(card, first, nr, id)
  local last = first + nr * CARD_RECORD - 1
  local p = find(card, id, first, true)
  while p and p <= last do
    if (p - first) % CARD_RECORD == 0 then return p end
    p = find(card, id, p + 1, true)
  end
  return 0
end

-- recordOnCard on the card key holding `card` (its head read by card_head: b nil when empty).
local function record_on_card(key, card, b, newest, nr, d0, n0, s0, t, c, day, id)
  if not b then
    local body = pack('<Bdi4i4i4dc8dd', 1, t, 1, day, 1, c, id, t, c)
    write(key, room(#body, CARD_RECORD, CARD_ROOM) .. body, true)
    return
  end
  if t > newest then newest = t end
  if day == d0 and b > CARD_RECORD then
    -- most transactions: the record goes in front of the others, into the room, with the head
    -- and the newest day bucket beside it: one write, the string's length unchanged
    redis.call('SETRANGE', key, b - 1 - CARD_RECORD, pack('<Bdi4i4i4dc8dd', 1, newest, nr + 1, d0, n0 + 1, s0 + c, id, t, c))
    return
  end
  if day >= d0 then
    -- A new day, or no room left: rewritten on substrings. Records too old to be a repeat's go
    -- from the end (the oldest arrivals), days too old from the end of theirs; the newest day
    -- bucket changes or a new one takes its place and it joins the others.
    local first = b + CARD_HEAD
    local kept = nr
    while kept > 0 and unpack('<d', card, first + (kept - 1) * CARD_RECORD + 8) < newest - id_ms do kept = kept - 1 end
    local days_at = first + nr * CARD_RECORD
    local head, older
    if day == d0 then
      head = pack('<Bdi4i4i4d', 1, newest, kept + 1, d0, n0 + 1, s0 + c)
      older = sub(card, days_at)
    else
      head = pack('<Bdi4i4i4d', 1, newest, kept + 1, day, 1, c)
      local floor = day - (card_days - 1)
      local nold = (#card - days_at + 1) / CARD_DAY
      while nold > 0 and unpack('<i4', card, days_at + (nold - 1) * CARD_DAY) < floor do nold = nold - 1 end
      older = sub(card, days_at, days_at + nold * CARD_DAY - 1)
      if d0 >= floor then older = pack('<i4i4d', d0, n0, s0) .. older end
    end
    local body = head .. pack('<c8dd', id, t, c) .. sub(card, first, first + kept * CARD_RECORD - 1) .. older
    write(key, room(#body, CARD_RECORD, CARD_ROOM) .. body, day > d0)
    return
  end
  -- a late transaction (before the newest day): on tables
  local s = card_decode(card)
  s.newest = newest
  local drop = 0
  while drop < #s.ts and s.ts[drop + 1] < newest - id_ms do drop = drop + 1 end
  local ids, ts, rc = {}, {}, {}
  for i = drop + 1, #s.ts do ids[#ids + 1], ts[#ts + 1], rc[#rc + 1] = s.ids[i], s.ts[i], s.rc[i] end
  ids[#ids + 1], ts[#ts + 1], rc[#rc + 1] = id, t, c
  s.ids, s.ts, s.rc = ids, ts, rc
  local i, created = add_to_bucket(s.days, day, card_days, s.counts, s.cents)
  if i then
    s.counts[i] = s.counts[i] + 1
    s.cents[i] = s.cents[i] + c
  end
  write(key, card_encode(s), created)
end

-- recordOnMerchant on the merchant key holding `merchant`.
local function record_on_merchant(key, merchant, hour, day)
  local b = find(merchant, MARKER, 1, true)
  if not b then
    local body = pack('<BHi4i4i4i4i4i4', 1, 1, day, 1, 0, hour, 1, 0)
    write(key, room(#body, MERCHANT_BUCKET, MERCHANT_ROOM) .. body, true)
    return
  end
  local nh, d0, dc, df, h0, hc = unpack('<Hi4i4i4i4i4', merchant, b + 1)
  if nh > 0 and day == d0 then
    if hour == h0 then
      -- most transactions: the newest day bucket and the newest hour bucket sit side by side and
      -- change in place (their counts and what lies between)
      redis.call('SETRANGE', key, b + 6, pack('<i4i4i4i4', dc + 1, df, h0, hc + 1))
      return
    end
    if hour > h0 and b > MERCHANT_BUCKET then
      -- a new hour: in front of the others, into the room, with the head and the newest day
      -- bucket beside it (hours too old stay behind until the key is rewritten; nothing reads them)
      redis.call('SETRANGE', key, b - 1 - MERCHANT_BUCKET, pack('<BHi4i4i4i4i4i4', 1, nh + 1, d0, dc + 1, df, hour, 1, 0))
      return
    end
  end
  local hours_at = b + MERCHANT_HEAD
  local days_at = hours_at + nh * MERCHANT_BUCKET
  if nh > 0 and hour > h0 and day >= d0 then
    -- A new day, or no room left: rewritten on substrings. Hours and days too old go from the
    -- ends of their sections; the newest day bucket changes or a new one takes its place and it
    -- joins the others.
    local hfloor = hour - (merchant_hours - 1)
    local kh = nh
    while kh > 0 and unpack('<i4', merchant, hours_at + (kh - 1) * MERCHANT_BUCKET) < hfloor do kh = kh - 1 end
    local head, older
    if day == d0 then
      head = pack('<BHi4i4i4', 1, kh + 1, d0, dc + 1, df)
      older = sub(merchant, days_at)
    else
      head = pack('<BHi4i4i4', 1, kh + 1, day, 1, 0)
      local dfloor = day - (merchant_days - 1)
      local nold = (#merchant - days_at + 1) / MERCHANT_BUCKET
      while nold > 0 and unpack('<i4', merchant, days_at + (nold - 1) * MERCHANT_BUCKET) < dfloor do nold = nold - 1 end
      older = sub(merchant, days_at, days_at + nold * MERCHANT_BUCKET - 1)
      if d0 >= dfloor then older = pack('<i4i4i4', d0, dc, df) .. older end
    end
    local body = head .. pack('<i4i4i4', hour, 1, 0) .. sub(merchant, hours_at, hours_at + kh * MERCHANT_BUCKET - 1) .. older
    write(key, room(#body, MERCHANT_BUCKET, MERCHANT_ROOM) .. body, day > d0)
    return
  end
  if nh > 0 and hour < h0 and day <= d0 then
    -- A late transaction (before the newest hour): its hour and day buckets change in place when
    -- they are there. `false`: too old to count (buckets.ts addToBucket), nil: to be created.
    local hat, dat = false, false
    if hour >= h0 - (merchant_hours - 1) then
      hat = nil
      for p = hours_at + MERCHANT_BUCKET, days_at - 1, MERCHANT_BUCKET do
        local k = unpack('<i4', merchant, p)
        if k <= hour then
          if k == hour then hat = p + 4 end
          break
        end
      end
    end
    if day == d0 then
      dat = b + 7
    elseif day >= d0 - (merchant_days - 1) then
      dat = nil
      for p = days_at, #merchant - MERCHANT_BUCKET + 1, MERCHANT_BUCKET do
        local k = unpack('<i4', merchant, p)
        if k <= day then
          if k == day then dat = p + 4 end
          break
        end
      end
    end
    if hat ~= nil and dat ~= nil then
      if hat then redis.call('SETRANGE', key, hat - 1, pack('<i4', unpack('<i4', merchant, hat) + 1)) end
      if dat then redis.call('SETRANGE', key, dat - 1, pack('<i4', unpack('<i4', merchant, dat) + 1)) end
      return
    end
  end
  -- a bucket to create behind the newest: on tables
  local m = merchant_decode(merchant)
  local i = add_to_bucket(m.hours, hour, merchant_hours, m.hc, m.hf)
  if i then m.hc[i] = m.hc[i] + 1 end
  local created
  i, created = add_to_bucket(m.days, day, merchant_days, m.dc, m.df)
  if i then m.dc[i] = m.dc[i] + 1 end
  local body = merchant_body(m)
  write(key, room(#body, MERCHANT_BUCKET, MERCHANT_ROOM) .. body, created)
end

local out = {}
for j = 0, #KEYS / 2 - 1 do
  local card_key, merchant_key = KEYS[j * 2 + 1], KEYS[j * 2 + 2]
  local t, c, hour, day, id = unpack('<ddi4i4c8', ARGV[FIRST_TX_ARG + j])
  local both = redis.call('MGET', card_key, merchant_key)
  local card, merchant = both[1] or '', both[2] or ''
  out[j * 3 + 1], out[j * 3 + 2] = card, merchant
  local b, newest, nr, d0, n0, s0 = card_head(card)
  local seen = 0
  if b then seen = find_record(card, b + CARD_HEAD, nr, id) end
  out[j * 3 + 3] = seen
  if seen == 0 then
    record_on_card(card_key, card, b, newest, nr, d0, n0, s0, t, c, day, id)
    record_on_merchant(merchant_key, merchant, hour, day)
  end
end
return out
