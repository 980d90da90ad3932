// Bundles the app's entry points with esbuild into one self-contained file each (no node_modules
// in the images), and copies the Redis Lua scripts (app/src/redis/*.lua) beside them, where
// redis/scripts.ts reads them once bundled, and the API docs' assets (Swagger UI). Usage: node app/build.mjs [--outdir DIR] [ENTRY...]
// (default: dist, all entries). PGlite (embedded local database) stays out: in containers the
// decision log is PostgreSQL. With the api entry, the analyst console's browser bundle (script and
// stylesheet, app/src/console/web) is written to DIR/console, where the API serves it from.
import { build } from "esbuild";
import { copyFileSync, cpSync, mkdirSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { consoleBuildOptions } from "./src/console/web-build.ts";

const ENTRIES = {
  api: "src/api/main.ts",
  worker: "src/worker/main.ts",
  migrate: "src/migrate.ts",
  "replay-decisions": "src/replay-decisions.ts",
  "rebuild-features": "src/rebuild-features.ts",
  trainer: "src/trainer/main.ts",
  "drift-retrain": "src/drift-retrain.ts",
};

const args = process.argv.slice(2);
let outdir = "dist";
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--outdir") outdir = args[++i];
  else names.push(args[i]);
}
const chosen = names.length ? names : Object.keys(ENTRIES);
const unknown = chosen.filter((n) => !(n in ENTRIES));
if (unknown.length) {
  console.error(`unknown entries: ${unknown.join(", ")} (known: ${Object.keys(ENTRIES).join(", ")})`);
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: Object.fromEntries(chosen.map((n) => [n, join(here, ENTRIES[n])])),
  outdir,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  // pg-native: pg's optional native binding (we use the JS client); PGlite: local runs only;
  // esbuild: the console's in-memory build for source checkouts (the image has dist/console).
  external: ["pg-native", "@electric-sql/pglite", "esbuild"],
  // @platformatic/kafka's compression and CRC code reads native.wasm beside its own file, a path
  // that does not exist once bundled; the package's "bundled" entry has the same exports with the
  // wasm inlined, so the bundle stays one file.
  // vega-canvas (Vega's canvas lookup) awaits an optional `import("canvas")` at its top level,
  // which a CommonJS bundle cannot hold; its browser build is the same module without that lookup,
  // and the report renders SVG with renderer "none", which never draws on a canvas.
  alias: {
    "@platformatic/wasm-utils": "@platformatic/wasm-utils/bundled",
    "vega-canvas": join(dirname(createRequire(import.meta.url).resolve("vega-canvas")), "vega-canvas.browser.js"),
  },
  // ESM dependencies call createRequire(import.meta.url), which esbuild leaves as `{}.url` in a
  // CommonJS bundle (createRequire(undefined) throws on load): give them the bundle's own URL.
  define: { "import.meta.url": "__bundle_url" },
  banner: { js: 'var __bundle_url = require("node:url").pathToFileURL(__filename).href;' },
  // any other use of import.meta (import.meta.dirname, a bare import.meta) would be empty at run
  // time: fail the build rather than the pod
  logOverride: { "empty-import-meta": "error" },
  legalComments: "none",
  logLevel: "info",
});
if (chosen.includes("api")) await build(consoleBuildOptions(join(here, "src/console"), join(outdir, "console")));
const scripts = join(here, "src/redis");
mkdirSync(outdir, { recursive: true });
for (const f of readdirSync(scripts)) if (f.endsWith(".lua")) copyFileSync(join(scripts, f), join(outdir, f));
// The API's /docs page (Swagger UI) serves its assets from swagger-ui/ beside the bundle (api/docs.ts).
if (chosen.includes("api")) {
  const assets = join(dirname(createRequire(import.meta.url).resolve("@fastify/swagger-ui/package.json")), "static");
  cpSync(assets, join(outdir, "swagger-ui"), { recursive: true });
}
