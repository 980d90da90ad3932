-- Leases rate-limit tokens for one API key (app/src/api/rate-limit.ts). KEYS: this minute's count, the
-- previous minute's. ARGV: tokens wanted, the limit, the TTL (ms), ms into this minute, the minute
-- (ms). Grants what fits (rate-limit.ts roomAt, the same arithmetic),
-- counts it, and returns { granted, previous, current } so the caller can say how long to wait.
local want, limit, elapsed, window = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local room = limit - current - math.ceil(previous * (window - elapsed) / window)
local granted = math.max(0, math.min(want, room))
if granted > 0 then
  current = redis.call('INCRBY', KEYS[1], granted)
  if current == granted then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
end
return { granted, previous, current }
