-- Shared by observe.lua and label.lua (prepended to each; see scripts.ts): the record sizes of
-- layout.md and, for the general case, the state as Lua tables with buckets.ts's rules
-- (recordOnCard, recordOnMerchant, addFraud). redis-layout.test.ts checks the sizes against the
-- decoders in redis-layout.ts.
local pack, unpack, sub = struct.pack, struct.unpack, string.sub
local CARD_HEADER, CARD_RECENT, CARD_DAY = 12, 16, 16
local MERCHANT_HEADER, MERCHANT_HOUR, MERCHANT_DAY = 4, 12, 12

-- A card string as tables: newest, day buckets (keys, counts, cents) ascending, recent records
-- (timestamps, cents) in arrival order. The string holds the days newest first.
local function card_decode(s)
  local c = { newest = -math.huge, days = {}, counts = {}, cents = {}, ts = {}, rc = {} }
  if #s < CARD_HEADER then return c end
  local nd
  c.newest, nd = unpack('<di4', s)
  for i = nd, 1, -1 do
    c.days[i], c.counts[i], c.cents[i] = unpack('<i4i4d', s, CARD_HEADER + (nd - i) * CARD_DAY + 1)
  end
  local at = CARD_HEADER + nd * CARD_DAY + 1
  while at <= #s do
    local t, cents = unpack('<dd', s, at)
    c.ts[#c.ts + 1], c.rc[#c.rc + 1] = t, cents
    at = at + CARD_RECENT
  end
  return c
end

local function card_encode(c)
  local parts, nd = {}, #c.days
  parts[1] = pack('<di4', c.newest, nd)
  for i = nd, 1, -1 do parts[#parts + 1] = pack('<i4i4d', c.days[i], c.counts[i], c.cents[i]) end
  for i = 1, #c.ts do parts[#parts + 1] = pack('<dd', c.ts[i], c.rc[i]) end
  return table.concat(parts)
end

-- A merchant string as tables: hour and day buckets (keys, counts, frauds) ascending. The string
-- holds the hours oldest first, then the days newest first (so that the newest hour and the newest
-- day are adjacent: observe.lua's in-place update).
local function merchant_decode(s)
  local m = { hours = {}, hc = {}, hf = {}, days = {}, dc = {}, df = {} }
  if #s < MERCHANT_HEADER then return m end
  local nh = unpack('<i4', s)
  for i = 1, nh do
    m.hours[i], m.hc[i], m.hf[i] = unpack('<i4i4i4', s, MERCHANT_HEADER + (i - 1) * MERCHANT_HOUR + 1)
  end
  local first = MERCHANT_HEADER + nh * MERCHANT_HOUR
  local nd = (#s - first) / MERCHANT_DAY
  for i = nd, 1, -1 do
    m.days[i], m.dc[i], m.df[i] = unpack('<i4i4i4', s, first + (nd - i) * MERCHANT_DAY + 1)
  end
  return m
end

local function merchant_encode(m)
  local parts, nh, nd = {}, #m.hours, #m.days
  parts[1] = pack('<i4', nh)
  for i = 1, nh do parts[#parts + 1] = pack('<i4i4i4', m.hours[i], m.hc[i], m.hf[i]) end
  for i = nd, 1, -1 do parts[#parts + 1] = pack('<i4i4i4', m.days[i], m.dc[i], m.df[i]) end
  return table.concat(parts)
end

-- buckets.ts addToBucket: the index of bucket `key` in ascending `keys` (parallel arrays a, b),
-- created at zero when missing, after dropping the buckets more than keep - 1 behind the newest;
-- nil when `key` itself is that far behind. Second result: whether it was created.
local function add_to_bucket(keys, key, keep, a, b)
  local n = #keys
  local newest = key
  if n > 0 and keys[n] > newest then newest = keys[n] end
  local floor = newest - (keep - 1)
  if key < floor then return nil, false end
  local drop = 0
  while drop < n and keys[drop + 1] < floor do drop = drop + 1 end
  if drop > 0 then
    for _, t in ipairs({ keys, a, b }) do
      for i = 1, n - drop do t[i] = t[i + drop] end
      for i = n, n - drop + 1, -1 do t[i] = nil end
    end
    n = n - drop
  end
  local i = n
  while i >= 1 and keys[i] > key do i = i - 1 end
  if i >= 1 and keys[i] == key then return i, false end
  table.insert(keys, i + 1, key)
  table.insert(a, i + 1, 0)
  table.insert(b, i + 1, 0)
  return i + 1, true
end

-- buckets.ts addFraud's per-grid step: frauds of bucket `key` += delta, created when missing and
-- within what is kept, never below zero.
local function add_fraud_to(keys, counts, frauds, key, delta, keep)
  local n = #keys
  local i = n
  while i >= 1 and keys[i] > key do i = i - 1 end
  if not (i >= 1 and keys[i] == key) then
    if delta < 0 or (n > 0 and key < keys[n] - (keep - 1)) then return end
    i = i + 1
    table.insert(keys, i, key)
    table.insert(counts, i, 0)
    table.insert(frauds, i, 0)
  end
  frauds[i] = math.max(0, frauds[i] + delta)
end
