-- Shared by observe.lua and label.lua (prepended to each; see lua.ts): the record sizes of
-- layout.md and the bucket update of buckets.ts `addToBucket`. redis-layout.test.ts checks the
-- sizes against the decoders in redis-layout.ts.
local pack, unpack, sub = struct.pack, struct.unpack, string.sub
local CARD_HEADER, CARD_RECENT, CARD_DAY = 12, 16, 16
local MERCHANT_HEADER, MERCHANT_HOUR, MERCHANT_DAY = 4, 12, 12

-- The section `sec` of fixed-size records (each starting with its int32 key, ascending) with
-- record `key` replaced by make(old record or nil), after the records more than keep - 1 behind
-- the newest are dropped; unchanged when `key` itself is that far behind.
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
