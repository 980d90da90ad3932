-- A label report (fraud or legit) for one transaction. KEYS: the merchant, the transaction's label
-- state. ARGV: the transaction's UTC hour and day, knownAt, the key TTL, "fraud" or "legit", the
-- merchant's hour and day buckets kept. Reports apply in knownAt order (see
-- FeatureStore.recordFraudLabel): one known no later than the standing label changes nothing, at
-- equal times legit stands. A standing fraud that gives way leaves its buckets' frauds; a fraud
-- adds to them (buckets.ts addFraud). Returns 1 when it applied.
local hour, day, known, ttl, kind = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local keep_hours, keep_days = tonumber(ARGV[6]), tonumber(ARGV[7])
local m = redis.call('GET', KEYS[1]) or ''
local nh = 0
if #m >= MERCHANT_HEADER then nh = unpack('<i4', m) end
local sections = { sub(m, MERCHANT_HEADER + 1, MERCHANT_HEADER + nh * MERCHANT_HOUR), sub(m, MERCHANT_HEADER + 1 + nh * MERCHANT_HOUR) }
local size = MERCHANT_DAY
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
