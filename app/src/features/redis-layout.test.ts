import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RECORD_SIZES } from "./redis-layout";

const BUCKETS_LUA = readFileSync(join(__dirname, "../redis/buckets.lua"), "utf8");

/** `local A, B = 1, 2` lines of a Lua file as a name → number map. */
function luaConstants(lua: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of lua.matchAll(/^local ([A-Z_, ]+) = ([\d, ]+)$/gm)) {
    const names = m[1]!.split(",").map((n) => n.trim());
    const values = m[2]!.split(",").map((v) => Number(v.trim()));
    names.forEach((n, i) => out.set(n, values[i]!));
  }
  return out;
}

describe("the Redis layout", () => {
  it("has the same record sizes in the scripts as in the decoders", () => {
    const lua = luaConstants(BUCKETS_LUA);
    expect(Object.fromEntries(Object.keys(RECORD_SIZES).map((k) => [k, lua.get(k)]))).toEqual(RECORD_SIZES);
  });
});
