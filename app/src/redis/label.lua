-- A label report (fraud or legit) for one transaction. KEYS: the merchant, the transaction's label
-- state. ARGV: the transaction's UTC hour and day, knownAt, the key TTL, "fraud" or "legit", the
-- merchant's hour and day buckets kept. Reports apply in knownAt order (see
-- FeatureStore.recordFraudLabel): one known no later than the standing label changes nothing, at
-- equal times legit stands. A standing fraud that gives way leaves its buckets' frauds; a fraud
-- adds to them (buckets.ts addFraud). Returns 1 when it applied.
local hour, day, known, ttl, kind = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local keep_hours, keep_days = tonumber(ARGV[6]), tonumber(ARGV[7])
local s = redis.call('GET', KEYS[1]) or ''
local m = merchant_decode(s)
local function add_both(h, d, delta)
  add_fraud_to(m.hours, m.hc, m.hf, h, delta, keep_hours)
  add_fraud_to(m.days, m.dc, m.df, d, delta, keep_days)
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
local body = merchant_body(m)
local b = find(s, MARKER, 1, true)
if body ~= (b and sub(s, b) or '') then redis.call('SET', KEYS[1], room(#body, MERCHANT_BUCKET, MERCHANT_ROOM) .. body, 'PX', ttl) end
return 1
