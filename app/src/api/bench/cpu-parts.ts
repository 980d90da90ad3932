/**
 * `npx tsx app/src/api/bench/cpu-parts.ts DIR`: the API's CPU by part, from the V8 profile that
 * `BENCH_CPU_PROF=DIR npm run bench:api` writes (with the bundle it profiled, DIR/api.js). Each
 * sample goes to the part of its function's module (esbuild's `// path` comments in the bundle); a
 * sample in node's own code or in native code goes to the pg, Redis, logging or hashing code that
 * called it, else to the HTTP layer. Prints each part's share of the busy (not idle) samples.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Parts by module path (an npm package as `npm:name`), first match wins. */
const PARTS: readonly (readonly [RegExp, string])[] = [
  [/opentelemetry|app\/src\/telemetry/, "tracing"],
  [
    /npm:(pg|pg-protocol|pg-pool|pg-types|pg-copy-streams|postgres-|buffer-writer)|store\/|serving\/idempotency|serving\/buffer-room/,
    "decision log and the pg client",
  ],
  [/npm:(ioredis|redis-|denque|cluster-key-slot|standard-as-callback)|features\/redis-|features\/buckets/, "Redis client and encoding"],
  [
    /npm:(fastify|find-my-way|fast-json-stringify|ajv|fast-uri|@fastify|avvio|fast-querystring|fastq|toad-cache|secure-json-parse|content-type|typebox|fast-decode-uri)|serving\/validate|serving\/json-body|serving\/problems|serving\/schemas|api\/http-errors|api\/routes|^validate\d*$|^anonymous\d*$/,
    "Fastify: routing, validation, serialisation",
  ],
  [/features\/compute|features\/timezone/, "feature computation"],
  [/model\/|features\/reasons|serving\/challenger|serving\/model-holder/, "tree walk and reasons"],
  [/serving\/scoring|serving\/coalescer|serving\/deadline|serving\/breaker|serving\/backfill/, "scoring, coalescer, deadlines"],
  [/serving\/hot-metrics|serving\/metrics|npm:prom-client|serving\/drift/, "metrics and drift"],
  [/npm:(pino|sonic-boom|thread-stream|fast-redact|quick-format|atomic-sleep)|serving\/log/, "logging"],
  [/api\/auth|crypto/, "API key check"],
  [/serving\/rate-limit/, "rate limiter"],
  [/api\/server/, "request hooks (api/server.ts)"],
];
/** Parts that own the node and native code they call (socket writes, hashing). */
const CALLERS = new Set(["decision log and the pg client", "Redis client and encoding", "logging", "API key check", "tracing"]);
const HTTP = "node:http, sockets, system calls, promise jobs";

function main(dir: string): void {
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const lines = readFileSync(join(dir, "api.js"), "utf8").split("\n");
  const starts: [number, string][] = [];
  lines.forEach((l, i) => {
    const m = /^\/\/ (\S+\.(?:js|ts|cjs|mjs|json))$/.exec(l);
    if (m) starts.push([i + 1, m[1]]);
  });
  const moduleAt = (line: number): string => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "?";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid][0] <= line) {
        found = starts[mid][1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(found);
    return npm ? `npm:${npm[1]}` : found;
  };
  const p = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const moduleOf = (n: ProfileNode) =>
    n.callFrame.url.endsWith("api.js") ? moduleAt(n.callFrame.lineNumber + 1) : n.callFrame.url || n.callFrame.functionName;
  const partOf = (module: string) => PARTS.find(([re]) => re.test(module))?.[1];
  const time = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const node = byId.get(p.samples[i])!;
    const dt = p.timeDeltas[i + 1] ?? 0;
    const name = node.callFrame.functionName;
    if (name === "(idle)") continue;
    busy += dt;
    let part =
      name === "(garbage collector)" ? "garbage collection" : name === "(program)" ? "V8 and native, unattributed" : partOf(moduleOf(node));
    if (part === undefined) {
      part = HTTP;
      for (let up = parent.get(node.id); up !== undefined; up = parent.get(up)) {
        const owner = partOf(moduleOf(byId.get(up)!));
        if (owner === undefined) continue;
        if (CALLERS.has(owner)) part = owner;
        break;
      }
    }
    time.set(part, (time.get(part) ?? 0) + dt);
  }
  console.log(`${file}: ${(busy / 1e6).toFixed(2)} s busy`);
  for (const [part, t] of [...time].sort((a, b) => b[1] - a[1])) console.log(`${((100 * t) / busy).toFixed(1).padStart(5)}%  ${part}`);
}

main(process.argv[2] ?? ".");
