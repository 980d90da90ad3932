/**
 * The parts of the observe script priced one by one (`npm run bench:redis -- --parts`): each Lua
 * snippet runs 100 times per script call, 500 calls, on the bench's private redis-server, and
 * its cost is the script time per run (`INFO commandstats`, evalsha usec) less that of an empty
 * loop. Sizes are the bench's burst traffic: a 634-byte card string (25 records of 24 bytes, a
 * day bucket, room in front) and a 60-byte merchant string. Every Lua string made costs its length:
 * Redis's Lua hashes every byte of a string it interns (MGET's values, sub, .., string.rep).
 */
import type Redis from "ioredis";

/** Name and Lua run, with `i` the run number (see PRELUDE for the rest). */
const PARTS: readonly [string, string][] = [
  ["unpack of the arguments (32 B)", "local t, c, h, d, id = unpack('<ddi4i4c8', a32)"],
  ["MGET card (634 B) and merchant (60 B)", "redis.call('MGET', cardk[i], 'merchant')"],
  ["GET card (634 B)", "redis.call('GET', cardk[i])"],
  ["find the card's body and the id among its records", "local b = find(card, '\\1', 1, true); local p = find(card, id8, b + 29, true)"],
  [
    "unpack the card's and the merchant's heads",
    "local a1, a2, a3, a4, a5 = unpack('<di4i4i4d', card, 20); local m1, m2, m3, m4, m5, m6 = unpack('<Hi4i4i4i4i4', merchant, 35)",
  ],
  ["pack the card's 53-byte write", "local x = pack('<Bdi4i4i4dc8dd', 1, i, i, 3, 4, 5.5, id8, i, 7)"],
  ["SETRANGE card, 53 bytes into its room", "redis.call('SETRANGE', cardk[i], 20, s53)"],
  ["SETRANGE merchant, 16 bytes in place", "redis.call('SETRANGE', 'merchant', 39, s16)"],
  [
    "rewrite the card (room, pack, sub, concat, SET)",
    "redis.call('SET', cardk[i], string.rep('\\0', 90) .. s53 .. sub(card, 40, 600), 'KEEPTTL')",
  ],
  ["SET tx NX PX (for comparison: an id key)", "redis.call('SET', txk[i], v80, 'NX', 'PX', 3600000)"],
];

const PRELUDE = `local pack, unpack, sub, find = struct.pack, struct.unpack, string.sub, string.find
local card = string.rep('\\0', 40) .. '\\1' .. string.rep('c', 593)
local merchant = string.rep('\\0', 33) .. '\\1' .. string.rep('m', 26)
local s53, s16, v80 = string.rep('s', 53), string.rep('r', 16), string.rep('v', 80)
local id8 = pack('<i4i4', 123456789, 987654321)
local a32 = pack('<ddi4i4c8', 1, 2, 3, 4, id8)
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
  for (let i = 0; i < 2000; i++) pipeline.set(`card:${i}`, `${"\0".repeat(40)}\u0001${"c".repeat(593)}`);
  pipeline.set("merchant", `${"\0".repeat(33)}\u0001${"m".repeat(26)}`);
  await pipeline.exec();
  const lowest = async (body: string) => {
    let best = Infinity;
    for (let r = 0; r < repeats; r++) best = Math.min(best, await price(redis, body));
    return best;
  };
  const empty = await lowest("");
  console.log(`parts of the observe script, us per run (the lowest of ${repeats}; an empty loop, ${empty.toFixed(2)} us, taken off):`);
  for (const [name, body] of PARTS) console.log(`  ${name.padEnd(52)} ${((await lowest(body)) - empty).toFixed(2).padStart(6)}`);
}
