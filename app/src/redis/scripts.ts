/**
 * The Redis Lua scripts, read from the `.lua` files beside this module: Lua in files of its own is
 * read, linted and diffed as Lua. The key layout they write is in layout.md here. In the images
 * the files sit beside the bundle: app/build.mjs copies every `.lua` of app/src into its output
 * directory, which is this module's `__dirname` once bundled.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

function lua(...files: string[]): string {
  return files.map((f) => readFileSync(join(__dirname, f), "utf8")).join("\n");
}

/** Observes a run of transactions (observe.lua, after the shared buckets.lua). */
export const OBSERVE_LUA = lua("buckets.lua", "observe.lua");

/** Applies one label report to its merchant's buckets (label.lua, after buckets.lua). */
export const LABEL_LUA = lua("buckets.lua", "label.lua");

/** Leases rate-limit tokens (rate-lease.lua; see serving/rate-limit.ts). */
export const RATE_LEASE_LUA = lua("rate-lease.lua");
