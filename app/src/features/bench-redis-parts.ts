/**
 * The parts of the observe script priced one by one (`npm run bench:redis -- --parts`): each Lua
 * snippet runs 100 times per script call, 500 calls, on the bench's private redis-server, and
 * its cost is the script time per run (`INFO commandstats`, evalsha usec) less that of an empty
 * loop. Sizes are the bench's: a ~430-byte card string (25 single records and a day bucket) and a
 * 28-byte merchant string.
 */
import type Redis from "ioredis";

/** Name and Lua run, with `i` the run number (see PRELUDE for the rest). */
const PARTS: readonly [string, string][] = [
  ["SET tx NX PX (new key, 80-byte value)", "redis.call('SET', txk[i], v80, 'NX', 'PX', 3600000)"],
  ["SET tx NX, no TTL (for comparison)", "redis.call('SET', txk[i], v80, 'NX')"],
  ["HSETNX into one hash (for comparison)", "redis.call('HSETNX', 'ids', txk[i], v80)"],
  ["MGET card (430 B) and merchant (28 B)", "redis.call('MGET', cardk[i], 'merchant')"],
  ["GET card (430 B)", "redis.call('GET', cardk[i])"],
  ["build the card string (sub + 2 pack + concat)", "local x = pack('<di4i4i4d', i, 1, 2, 3, 4) .. sub(s, 29) .. pack('<dd', i, i)"],
  ["SET card (430 B) KEEPTTL", "redis.call('SET', cardk[i], s, 'KEEPTTL')"],
  ["SETRANGE merchant, 16 bytes", "redis.call('SETRANGE', 'merchant', 8, pack('<i4i4i4i4', i, 0, 5, i))"],
  ["tx value (pack + 2 concat)", "local x = pack('<ddi4', i, i, 30) .. k30 .. k30b"],
  ["unpack of the arguments", "local t, c, h, d = unpack('<ddi4i4', a24)"],
];

const PRELUDE = `local pack, unpack, sub = struct.pack, struct.unpack, string.sub
local s = string.rep('x', 430)
local v80 = string.rep('v', 80)
local k30, k30b = string.rep('c', 30), string.rep('m', 30)
local a24 = pack('<ddi4i4', 1, 2, 3, 4)
local base = tonumber(ARGV[1])
-- keys as the real script gets them (KEYS: no concatenation in the measured runs); new ids per measurement
local txk, cardk = {}, {}
for i = base, base + 99 do txk[i], cardk[i] = ARGV[2] .. ':tx:' .. i, 'card:' .. (i % 2000) end`;

async function scriptUsec(redis: Redis): Promise<number> {
  return Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(await redis.info("commandstats"))?.[1] ?? 0);
}

let measurements = 0;

/** µs per run of `body`, over 500 calls of 100 runs. */
async function price(redis: Redis, body: string): Promise<number> {
  const script = `${PRELUDE}\nfor i = base, base + 99 do ${body} end\nreturn 1`;
  const sha = String(await redis.script("LOAD", script));
  const tag = `m${++measurements}`;
  for (let b = 0; b < 20_000; b += 100) await redis.evalsha(sha, 0, b, tag);
  const before = await scriptUsec(redis);
  for (let b = 20_000; b < 70_000; b += 100) await redis.evalsha(sha, 0, b, tag);
  return ((await scriptUsec(redis)) - before) / 50_000;
}

/** Prints each part's µs per transaction, the lowest of `repeats` measurements. On a private server only: it writes unprefixed keys. */
export async function printParts(redis: Redis, repeats: number): Promise<void> {
  const pipeline = redis.pipeline();
  for (let i = 0; i < 2000; i++) pipeline.set(`card:${i}`, "x".repeat(430));
  pipeline.set("merchant", "m".repeat(28));
  await pipeline.exec();
  const lowest = async (body: string) => {
    let best = Infinity;
    for (let r = 0; r < repeats; r++) best = Math.min(best, await price(redis, body));
    return best;
  };
  const empty = await lowest("");
  console.log(`parts of the observe script, us per run (the lowest of ${repeats}; an empty loop, ${empty.toFixed(2)} us, taken off):`);
  for (const [name, body] of PARTS) console.log(`  ${name.padEnd(48)} ${((await lowest(body)) - empty).toFixed(2).padStart(6)}`);
}
