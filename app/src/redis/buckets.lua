-- Shared by observe.lua and label.lua (prepended to each; see scripts.ts): the layout of layout.md
-- (record sizes, the room in front of a body) and, for the general case, the state as Lua tables
-- with buckets.ts's rules (recordOnCard, recordOnMerchant, addFraud). redis-layout.test.ts checks
-- the sizes against the decoders in redis-layout.ts.
local pack, unpack, sub, find = struct.pack, struct.unpack, string.sub, string.find
local CARD_HEAD, CARD_RECORD, CARD_DAY = 29, 24, 16
local MERCHANT_HEAD, MERCHANT_BUCKET = 15, 12
-- Records a card's room holds at least when rewritten, hours a merchant's: see room() and layout.md.
local CARD_ROOM, MERCHANT_ROOM = 2, 0
-- The first byte of a body: the room in front of it is zero bytes, so a plain find of it is one memchr.
local MARKER = '\1'

-- The zero bytes to put in front of a body of n bytes when its key is rewritten: room for at
-- least `units` writes of `unit` bytes at the front (observe.lua's common writes), and whatever
-- more fits the allocation Redis makes for the string anyway (a jemalloc size class holding the
-- sds header, the string and its terminator). A write into the room changes the string in place;
-- a write past either end would make Redis double the string's allocation.
local function room(n, unit, units)
  local want = n + units * unit
  local total = want + (want < 256 and 4 or 6)
  local class
  if total <= 128 then
    class = math.ceil(total / 16) * 16
  else
    local p = 256
    while p < total do p = p * 2 end
    class = math.ceil(total / (p / 8)) * (p / 8)
  end
  local len = class - 4
  if len >= 256 then len = class - 6 end
  return string.rep('\0', len - n)
end

-- A card string's head: where its body starts (nil: no card), the newest time, the number of
-- records and the newest day bucket (day, count, cents).
local function card_head(s)
  local b = find(s, MARKER, 1, true)
  if not b then return nil end
  local newest, nr, d0, n0, s0 = unpack('<di4i4i4d', s, b + 1)
  return b, newest, nr, d0, n0, s0
end

-- A card string as tables: newest, day buckets (keys, counts, cents) ascending, records (ids,
-- timestamps, cents) in arrival order. The string holds both newest first.
local function card_decode(s)
  local c = { newest = -math.huge, days = {}, counts = {}, cents = {}, ids = {}, ts = {}, rc = {} }
  local b, newest, nr, d0, n0, s0 = card_head(s)
  if not b then return c end
  c.newest = newest
  local at = b + CARD_HEAD
  for i = nr, 1, -1 do
    c.ids[i], c.ts[i], c.rc[i] = unpack('<c8dd', s, at)
    at = at + CARD_RECORD
  end
  local k = 0
  for p = #s - CARD_DAY + 1, at, -CARD_DAY do
    k = k + 1
    c.days[k], c.counts[k], c.cents[k] = unpack('<i4i4d', s, p)
  end
  c.days[k + 1], c.counts[k + 1], c.cents[k + 1] = d0, n0, s0
  return c
end

-- The card string of card_decode's tables (at least one day bucket), room included.
local function card_encode(c)
  local nd = #c.days
  local parts = { pack('<Bdi4i4i4d', 1, c.newest, #c.ts, c.days[nd], c.counts[nd], c.cents[nd]) }
  for i = #c.ts, 1, -1 do parts[#parts + 1] = pack('<c8dd', c.ids[i], c.ts[i], c.rc[i]) end
  for i = nd - 1, 1, -1 do parts[#parts + 1] = pack('<i4i4d', c.days[i], c.counts[i], c.cents[i]) end
  local body = table.concat(parts)
  return room(#body, CARD_RECORD, CARD_ROOM) .. body
end

-- A merchant string as tables: hour and day buckets (keys, counts, frauds) ascending. The string
-- holds the newest day, then the hours newest first, then the other days newest first.
local function merchant_decode(s)
  local m = { hours = {}, hc = {}, hf = {}, days = {}, dc = {}, df = {} }
  local b = find(s, MARKER, 1, true)
  if not b then return m end
  local nh, d0, dc, df = unpack('<Hi4i4i4', s, b + 1)
  local at = b + MERCHANT_HEAD
  for i = nh, 1, -1 do
    m.hours[i], m.hc[i], m.hf[i] = unpack('<i4i4i4', s, at)
    at = at + MERCHANT_BUCKET
  end
  local k = 0
  for p = #s - MERCHANT_BUCKET + 1, at, -MERCHANT_BUCKET do
    k = k + 1
    m.days[k], m.dc[k], m.df[k] = unpack('<i4i4i4', s, p)
  end
  m.days[k + 1], m.dc[k + 1], m.df[k + 1] = d0, dc, df
  return m
end

-- The merchant string's body of merchant_decode's tables, without the room; '' when it has no
-- day bucket (then it has no hour bucket either: every hour kept lies within the days kept).
local function merchant_body(m)
  local nh, nd = #m.hours, #m.days
  if nd == 0 then return '' end
  local parts = { pack('<BHi4i4i4', 1, nh, m.days[nd], m.dc[nd], m.df[nd]) }
  for i = nh, 1, -1 do parts[#parts + 1] = pack('<i4i4i4', m.hours[i], m.hc[i], m.hf[i]) end
  for i = nd - 1, 1, -1 do parts[#parts + 1] = pack('<i4i4i4', m.days[i], m.dc[i], m.df[i]) end
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
