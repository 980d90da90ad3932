/**
 * `npm run bench:api [-- --seconds 10 --connections 64 --batchConnections 8 --batch 100 --rate 5000 --only single|batch|rate|shadow]`
 *
 * Starts, each in its own process and from an esbuild bundle as in the image: the fraud API against
 * the local Redis and PostgreSQL (TEST_REDIS_URL, TEST_DATABASE_URL; a throwaway schema and key
 * namespace, removed after), with a freshly trained model; and a bare node:http server that parses
 * and echoes the same JSON. Drives both with autocannon over loopback, single then batch, and prints
 * transactions/s, p50/p99 latency and failed requests, with the targets of the API issue. Then
 * offers both single transactions at a fixed rate (--rate, open loop, see driveAtRate) and prints
 * p50/p99/max latency, the rate achieved and failures, the API's against "p99 <= 5 ms at 5,000 tx/s".
 * Then the shadow runs: API single with a shadow challenger (the same trees under another version)
 * off, on, off, on, and the overhead: API CPU per transaction and throughput, on against off, and
 * the second walk timed in this process. `--only` runs one of the three pairs, or the shadow runs, alone.
 * After the runs, before the cleanup, prints the Redis memory of the run's keys per key kind and per
 * card, merchant and transaction, and Redis used_memory before and after.
 * BENCH_CPU_PROF=DIR also writes a V8 CPU profile of the API process into DIR, with the bundle it
 * ran (DIR/api.js: `npx tsx app/src/api/bench/cpu-parts.ts DIR` splits the profile by part); BENCH_PERF=1 starts it
 * with --perf-basic-prof instead, so that `perf record -p <pid>` names its JavaScript frames (the V8
 * profile attributes time the process spent descheduled to the call it resumed in).
 */
import autocannon from "autocannon";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { build } from "esbuild";
import Redis from "ioredis";
import { DEFAULT_KEY_PREFIX } from "../../features/redis-store";
import { postgresClient } from "../../store/sql";
import { HttpPool } from "./http-pool";
import { otlpSink, summary, TRACING_ENV, tracingRounds } from "./tracing-cost";
import { bootstrapModel } from "../../trainer/bootstrap";
import { serializeMetadata } from "../../registry/metadata";
import { openRegistry } from "../../registry/open";
import { loadModelVersion } from "../../registry/load";
import { FEATURE_NAMES } from "../../features/types";
import { PreparedModel } from "../../serving/model-holder";
import { Prng } from "../../sim/prng";

interface Options {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /**
   * Batch runs use fewer connections: 64 x 100 transactions in flight are 6,400 observes queued
   * in Redis (~30 us each here, ~200 ms), past the feature-store deadline, and the run would
   * measure the degraded path (measured: 331,200 of 332,900 decisions degraded at 64).
   */
  batchConnections: number;
  batch: number;
  /** Offered rate of the fixed-rate run, single transactions per second. */
  rate: number;
  /** Run only the single, the batch or the fixed-rate pair (echo and API), or the shadow runs; all by default. */
  only?: Only;
  /** Rounds of single runs with tracing off and on (tracing-cost.ts); 0: none. */
  tracingRounds: number;
}

type Mode = "single" | "batch" | "rate";
/** `shadow`: single runs with a shadow challenger off, on, off, on (the overhead of the second tree walk). */
type Only = Mode | "shadow";
const MODES: readonly Only[] = ["single", "batch", "rate", "shadow"];

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 10,
    warmupSeconds: 2,
    connections: 64,
    batchConnections: 8,
    batch: 100,
    rate: TARGET_RATE,
    tracingRounds: 0,
  };
  const usage = `usage: bench:api [--seconds N] [--warmupSeconds N] [--connections N] [--batchConnections N] [--batch N] [--rate N] [--only ${MODES.join("|")}] [--tracingRounds N]`;
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (key === "only") {
      const mode = MODES.find((m) => m === argv[i + 1]);
      if (mode === undefined) throw new Error(`${usage} (got --only ${argv[i + 1]})`);
      o.only = mode;
      continue;
    }
    const value = Number(argv[i + 1]);
    if (!(key in o) || !Number.isFinite(value) || value <= 0) throw new Error(`${usage} (got ${argv[i]} ${argv[i + 1]})`);
    (o as unknown as Record<string, number>)[key] = value;
  }
  return o;
}

/** The fixed-rate target of the API issue: p99 <= TARGET_P99_MS at TARGET_RATE single transactions/s. */
const TARGET_RATE = 5_000;
const TARGET_P99_MS = 5;
/** Share of the offered rate that counts as kept up with. */
const RATE_KEPT = 0.99;

const API_KEY = "bench-key-0123456789abcdef";
// the same variables and defaults as the tests (app/src/testing/services.ts, which imports vitest)
const testDatabaseUrl = () => process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const testRedisUrl = () => process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";
const RUN = `bench${process.pid}`;
const CARDS = 20_000;
const MERCHANTS = 5_000;
const CHANNELS = ["pos", "ecom", "atm"];

let seq = 0;
function transaction(): Record<string, unknown> {
  seq++;
  return {
    transactionId: `${RUN}-${seq}`,
    timestamp: new Date().toISOString(),
    cardId: `${RUN}-card-${(seq * 7919) % CARDS}`,
    merchantId: `${RUN}-m-${(seq * 104_729) % MERCHANTS}`,
    amount: Math.round(((seq * 37) % 50_000) + 100) / 100,
    currency: "EUR",
    merchantCategory: "5411",
    country: "FR",
    channel: CHANNELS[seq % 3],
  };
}

function waitForLine(child: ChildProcess, stream: "stdout" | "stderr", pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${buf.slice(-2000)}`)), timeoutMs);
    child[stream]!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    });
    child.once("exit", (code) => reject(new Error(`process exited (${code}) before ${pattern}; output:\n${buf.slice(-2000)}`)));
  });
}

interface Figures {
  /** What the run is printed and looked up as (`api single`, `api single, shadow on`). */
  label?: string;
  target: string;
  mode: string;
  requestsPerSecond: number;
  txPerSecond: number;
  p50: number;
  p99: number;
  failed: number;
  ok: number;
  /** Fixed-rate runs only (see driveAtRate). */
  paced?: PacedFigures;
  /** Decisions of the run scored without Redis (API only). */
  degraded?: number;
  /**
   * Redis time in the feature-store script per transaction of the run (INFO commandstats, evalsha
   * usec: includes any other client's scripts on a shared Redis). API only.
   */
  redisUsPerTx?: number;
  /** Transactions per feature-store script call: how well concurrent requests share a call. API only. */
  txPerScript?: number;
  /** CPU microseconds per transaction of the run, per process group (where the machine reports it). */
  cpuUsPerTx?: CpuSample;
}

/** CPU seconds used so far. */
interface CpuSample {
  /** The server under test (the API or the echo). */
  server: number;
  redis: number;
  /** Every postgres process on the machine. */
  postgres: number;
  /** This process: autocannon and the request bodies it sends. */
  loadGenerator: number;
}

/** Linux reports process CPU in /proc in USER_HZ ticks, 100 per second. */
const TICKS_PER_SECOND = 100;

/** utime + stime of one /proc/<pid>/stat, in seconds, with the process name. */
function procCpu(pid: string): { name: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { name: stat.slice(stat.indexOf("(") + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

async function cpuSample(serverPid: number, redis: Redis): Promise<CpuSample> {
  const info = await redis.info("cpu");
  const redisSeconds = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN);
  let postgres = 0;
  for (const pid of existsSync("/proc") ? readdirSync("/proc") : []) {
    if (!/^\d+$/.test(pid)) continue;
    const p = procCpu(pid);
    if (p?.name === "postgres") postgres += p.seconds;
  }
  const self = process.cpuUsage();
  return {
    server: procCpu(String(serverPid))?.seconds ?? NaN,
    redis: redisSeconds,
    postgres: existsSync("/proc") ? postgres : NaN,
    loadGenerator: (self.user + self.system) / 1e6,
  };
}

function perTx(before: CpuSample, after: CpuSample, txs: number): CpuSample {
  // a process that exits during the run (an idle pool connection closing) takes its CPU time
  // out of the sum: clamp so an idle group reads 0, not less
  const us = (k: keyof CpuSample) => Math.max(0, ((after[k] - before[k]) * 1e6) / txs);
  return { server: us("server"), redis: us("redis"), postgres: us("postgres"), loadGenerator: us("loadGenerator") };
}

/** Transactions per request of a mode. */
const txPerRequest = (mode: Mode, opts: Options): number => (mode === "batch" ? opts.batch : 1);

async function drive(target: string, mode: Mode, url: string, opts: Options, measure: boolean): Promise<Figures> {
  if (mode === "rate") return driveAtRate(target, url, opts.rate, measure ? opts.seconds : opts.warmupSeconds, opts.connections);
  const perRequest = txPerRequest(mode, opts);
  const body =
    mode === "single"
      ? () => JSON.stringify(transaction())
      : () => JSON.stringify({ transactions: Array.from({ length: perRequest }, transaction) });
  const result = await autocannon({
    url,
    connections: mode === "single" ? opts.connections : opts.batchConnections,
    duration: measure ? opts.seconds : opts.warmupSeconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": API_KEY },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
      },
    ],
  });
  const ok = result["2xx"];
  const seconds = measure ? opts.seconds : opts.warmupSeconds;
  return {
    target,
    mode,
    requestsPerSecond: ok / seconds,
    txPerSecond: (ok * perRequest) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
    ok,
  };
}

interface PacedFigures {
  /** Transactions per second offered (the schedule). */
  offered: number;
  max: number;
  /** p99 of the latency from the write to a socket instead of the due time (omits all waiting). */
  p99FromSend: number;
  /** p99 and max of how late requests were written to a socket behind the schedule. */
  sendLagP99: number;
  sendLagMax: number;
  /** Most requests outstanding at once. */
  maxInFlight: number;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** autocannon's default request timeout; also how long the fixed-rate run waits for its backlog. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Single transactions offered at a fixed rate, open loop: request i is due at start + i / rate
 * whether or not earlier ones have been answered, and its latency is counted from that due time.
 *
 * Not autocannon's `overallRate`, because of coordinated omission: autocannon (8.0.0, lib/httpClient.js
 * and lib/run.js) gives each connection a quota per second that it sends back to back, one request in
 * flight, then idles until the next second, so a slow answer delays the requests behind it and their
 * waiting is never measured (the load it offers is bursty and falls when the server slows). Its
 * correction, recordValueWithExpectedInterval(latency, ceil(1 / per-connection rate)), uses 1 ms as
 * the expected interval whatever the rate (1 / rate is in seconds, latencies in ms), so it fills in
 * samples that do not match the schedule either. Here nothing waits for an answer before sending
 * (up to `maxConnections` sockets; past that a request waits in HttpPool's queue, and the waiting
 * counts), and the latency from the due time includes any delay the server caused. It also includes
 * this process's own lateness (timers fire at 1 ms granularity, and it shares the cores): the time
 * from due to written to a socket (send lag) and the latency from the write are printed too, so that
 * a slow server (a queue: requests wait for a connection) and a late load generator (no queue, yet
 * sent late) can be told apart; the echo run at the same rate shows what the generator alone reaches.
 */
async function driveAtRate(target: string, url: string, rate: number, seconds: number, maxConnections: number): Promise<Figures> {
  const pool = new HttpPool(url, { "content-type": "application/json", "x-api-key": API_KEY }, maxConnections, REQUEST_TIMEOUT_MS);
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const fromDue: number[] = [];
  const fromSend: number[] = [];
  const sendLag: number[] = [];
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastAnswer = 0;
  let allSent = false;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const start = performance.now();
  const send = (due: number) => {
    const body = JSON.stringify(transaction());
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    pool.post(body, (outcome, sentAt) => {
      const now = performance.now();
      // like autocannon: latencies of 2xx answers; anything else is counted as failed
      if (typeof outcome === "number" && outcome >= 200 && outcome < 300) {
        lastAnswer = now;
        ok++;
        fromDue.push(now - due);
        fromSend.push(now - (sentAt ?? now));
        sendLag.push((sentAt ?? now) - due);
      } else failed++;
      if (--inFlight === 0 && allSent) resolveDone();
    });
  };
  for (let i = 0; i < total;) {
    const now = performance.now();
    // everything due by now goes out at once: after a late timer, the backlog is sent, not skipped
    while (i < total && start + i * intervalMs <= now) send(start + i++ * intervalMs);
    if (i < total) await sleep(start + i * intervalMs - performance.now());
  }
  allSent = true;
  // an overloaded server would otherwise keep the run going as long as its backlog lasts: what is
  // unanswered REQUEST_TIMEOUT_MS after the last due time fails (closing the pool fails it)
  if (inFlight > 0) {
    const giveUp = new AbortController();
    const deadline = sleep(start + (total - 1) * intervalMs + REQUEST_TIMEOUT_MS - performance.now(), undefined, { signal: giveUp.signal });
    await Promise.race([done, deadline.catch(() => undefined)]);
    giveUp.abort();
  }
  pool.close();
  const elapsedSeconds = (Math.max(lastAnswer, start) - start) / 1000;
  const asc = (xs: number[]) => Float64Array.from(xs).sort();
  const [due, fromSent, lag] = [asc(fromDue), asc(fromSend), asc(sendLag)];
  return {
    target,
    mode: "rate",
    requestsPerSecond: ok / elapsedSeconds,
    txPerSecond: ok / elapsedSeconds,
    p50: percentile(due, 0.5),
    p99: percentile(due, 0.99),
    failed,
    ok,
    paced: {
      offered: rate,
      max: due.length ? due[due.length - 1] : NaN,
      p99FromSend: percentile(fromSent, 0.99),
      sendLagP99: percentile(lag, 0.99),
      sendLagMax: lag.length ? lag[lag.length - 1] : NaN,
      maxInFlight,
    },
  };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "fraud-bench-"));
  const schema = RUN;
  const databaseUrl = testDatabaseUrl();
  const redisUrl = testRedisUrl();
  const sql = postgresClient({ connectionString: databaseUrl, max: 1 });
  const children: ChildProcess[] = [];
  try {
    console.log(
      `bench:api: ${opts.seconds} s per run after ${opts.warmupSeconds} s warm-up; single at ${opts.connections} connections, ` +
        `batches of ${opts.batch} at ${opts.batchConnections}; fixed rate ${opts.rate} tx/s on up to ${opts.connections} connections`,
    );
    console.log(`bench:api: PostgreSQL ${databaseUrl.replace(/:[^:@/]*@/, ":***@")} (schema ${schema}), Redis ${redisUrl}`);
    await sql.query(`CREATE SCHEMA "${schema}"`);
    const redisInfo = new Redis(redisUrl);
    const usedMemoryBefore = await usedMemory(redisInfo);
    const here = resolve(__dirname);
    // the API bundled by app/build.mjs, as in the image (its aliases keep Vega and Kafka bundleable,
    // and it copies the Redis scripts beside the bundle); the echo server needs none of that
    const built = spawnSync(process.execPath, [join(here, "..", "..", "..", "build.mjs"), "--outdir", join(work, "dist"), "api"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (built.status !== 0) throw new Error(`app/build.mjs failed (exit ${built.status})`);
    await build({
      entryPoints: { echo: join(here, "echo-server.ts") },
      outdir: join(work, "dist"),
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      logLevel: "warning",
    });
    // the profile's samples name lines of this bundle: kept beside it for cpu-parts.ts
    if (process.env.BENCH_CPU_PROF) mkdirSync(resolve(process.env.BENCH_CPU_PROF), { recursive: true });
    if (process.env.BENCH_CPU_PROF) copyFileSync(join(work, "dist", "api.js"), join(resolve(process.env.BENCH_CPU_PROF), "api.js"));
    const registry = join(work, "registry");
    const version = await bootstrapModel(registry, () => undefined);
    console.log(`bench:api: model ${version} trained for the run (bootstrap simulation)`);

    const echo = spawn(process.execPath, [join(work, "dist", "echo.js")], { env: { PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
    children.push(echo);
    const echoPort = Number((await waitForLine(echo, "stdout", /listening (\d+)/, 10_000))[1]);

    const dbUrl = new URL(databaseUrl);
    dbUrl.searchParams.set("options", `-c search_path=${schema}`);
    // BENCH_CPU_PROF=DIR: a V8 CPU profile of the API process, written to DIR when it stops;
    // BENCH_PERF=1: JIT symbols for perf
    const profile = process.env.BENCH_CPU_PROF
      ? ["--cpu-prof", "--cpu-prof-dir", resolve(process.env.BENCH_CPU_PROF)]
      : process.env.BENCH_PERF
        ? ["--perf-basic-prof"]
        : [];
    const spawnApi = (extraEnv: Record<string, string> = {}) =>
      spawn(process.execPath, [...profile, join(work, "dist", "api.js")], {
        env: {
          PATH: process.env.PATH,
          PORT: "0",
          METRICS_PORT: "0",
          LOG_LEVEL: "info",
          API_KEYS: API_KEY,
          DATABASE_URL: dbUrl.toString(),
          REDIS_URL: redisUrl,
          MODEL_REGISTRY: registry,
          // the limiter runs (leases from Redis) but never refuses in the benchmark
          RATE_LIMIT_PER_MINUTE: "100000000",
          // the shadow runs switch the challenger on and off through the manifest
          MODEL_POLL_SECONDS: "1",
          BATCH_MAX: String(Math.max(1000, opts.batch)),
          DECISION_BUFFER_MAX: "1000000",
          ...extraEnv,
        },
        stdio: ["ignore", "ignore", "pipe"],
      });
    const listeningLine = /"port":(\d+),"metricsPort":(\d+).*"msg":"fraud API listening"/;
    const api = spawnApi();
    children.push(api);
    const listening = await waitForLine(api, "stderr", listeningLine, 30_000);
    const apiPort = Number(listening[1]);
    const metricsPort = Number(listening[2]);

    // The shadow challenger: the same trees under another version, so the second walk costs what
    // the first does (a challenger of another size costs in proportion to its trees).
    const models = openRegistry(registry);
    const stored = await models.getModel(version);
    const shadowVersion = `${version}-shadow`;
    await models.putVersion(shadowVersion, {
      "model.json": stored.modelJson,
      "metadata.json": serializeMetadata({ ...stored.metadata, version: shadowVersion }),
    });
    const challengerShown = async () =>
      (await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).includes(`fraud_challenger_info{version="${shadowVersion}"`);
    const shadow = (on: boolean) => async () => {
      await models.setChallenger(on ? { version: shadowVersion, mode: "shadow", share: 0 } : null, "bench:api");
      for (let i = 0; (await challengerShown()) !== on; i++) {
        if (i > 100) throw new Error(`the API did not ${on ? "load" : "drop"} the shadow challenger within 10 s`);
        await sleep(100);
      }
    };
    const apiSingle = `http://127.0.0.1:${apiPort}/v1/score`;
    const runs = (
      [
        ["echo", "single", `http://127.0.0.1:${echoPort}/`],
        ["api", "single", apiSingle],
        ["echo", "batch", `http://127.0.0.1:${echoPort}/`],
        ["api", "batch", `http://127.0.0.1:${apiPort}/v1/score/batch`],
        // the echo at the same rate: what this load generator and machine reach without the API
        ["echo", "rate", `http://127.0.0.1:${echoPort}/`],
        ["api", "rate", `http://127.0.0.1:${apiPort}/v1/score`],
        // off and on twice, back to back: the machine's noise shows as the spread between the pairs
        ...[1, 2].flatMap((n) => [
          ["api", "single", apiSingle, `api single, shadow off (${n})`, shadow(false), "shadow"],
          ["api", "single", apiSingle, `api single, shadow on (${n})`, shadow(true), "shadow"],
        ]),
      ] as [string, Mode, string, string?, (() => Promise<void>)?, Only?][]
    ).filter(([, mode, , , , group]) => opts.only === undefined || (group ?? mode) === opts.only);
    // Degraded decisions skip Redis (and are cheaper): a run that degraded is not a fair figure.
    const degradedSoFar = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return Number(
        text
          .split("\n")
          .find((l) => l.startsWith("fraud_degraded_total "))
          ?.split(" ")[1] ?? 0,
      );
    };
    const scriptStats = async () => {
      const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await redisInfo.info("commandstats"));
      return { calls: Number(m?.[1] ?? 0), usec: Number(m?.[2] ?? 0) };
    };
    const figures: Figures[] = [];
    let scored = 0;
    for (const [target, mode, url, label, setup] of runs) {
      await setup?.();
      const warm = await drive(target, mode, url, opts, false);
      const before = target === "api" ? await degradedSoFar() : 0;
      const scriptBefore = await scriptStats();
      const serverPid = (target === "api" ? api : echo).pid!;
      const cpuBefore = await cpuSample(serverPid, redisInfo);
      const f = await drive(target, mode, url, opts, true);
      f.label = label ?? `${target} ${mode}`;
      f.cpuUsPerTx = perTx(cpuBefore, await cpuSample(serverPid, redisInfo), f.ok * txPerRequest(mode, opts));
      if (target === "api") {
        scored += (warm.ok + f.ok) * txPerRequest(mode, opts);
        f.degraded = (await degradedSoFar()) - before;
        const script = await scriptStats();
        const txs = f.ok * txPerRequest(mode, opts);
        f.redisUsPerTx = (script.usec - scriptBefore.usec) / txs;
        f.txPerScript = txs / (script.calls - scriptBefore.calls);
      }
      figures.push(f);
      const p = f.paced;
      console.log(
        `${f.label.padEnd(13)} ${f.txPerSecond.toFixed(0).padStart(8)} tx/s  ` +
          (p ? `of ${p.offered} offered  ` : `${f.requestsPerSecond.toFixed(0).padStart(7)} req/s  `) +
          `p50 ${f.p50.toFixed(2).padStart(7)} ms  p99 ${f.p99.toFixed(2).padStart(7)} ms  ` +
          (p ? `max ${p.max.toFixed(2)} ms  ` : "") +
          `failed ${f.failed}` +
          (f.degraded === undefined ? "" : `  degraded ${f.degraded}`) +
          (f.redisUsPerTx === undefined ? "" : `  Redis ${f.redisUsPerTx.toFixed(1)} us/tx, ${f.txPerScript?.toFixed(1)} tx/call`),
      );
      if (p) {
        console.log(
          `${"".padEnd(13)} latency from each request's due time (waiting counted); from its write to a socket p99 ${p.p99FromSend.toFixed(2)} ms; ` +
            `written behind schedule by p99 ${p.sendLagP99.toFixed(2)} ms, max ${p.sendLagMax.toFixed(2)} ms (generator late, or all connections busy); ` +
            `at most ${p.maxInFlight} in flight`,
        );
      }
      const c = f.cpuUsPerTx;
      console.log(
        `${"".padEnd(13)} CPU per tx: ${target} ${c.server.toFixed(1)} us, Redis ${c.redis.toFixed(1)} us, PostgreSQL ${c.postgres.toFixed(1)} us, ` +
          `load generator ${c.loadGenerator.toFixed(1)} us; sum ${(c.server + c.redis + c.postgres + c.loadGenerator).toFixed(1)} us ` +
          `(2 cores allow ${(2e6 / f.txPerSecond).toFixed(1)} us at this rate)`,
      );
    }

    if (opts.tracingRounds > 0) {
      const sink = await otlpSink();
      const traced = spawnApi({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, ...TRACING_ENV });
      children.push(traced);
      const tracedPort = Number((await waitForLine(traced, "stderr", listeningLine, 30_000))[1]);
      const urls = { off: `http://127.0.0.1:${apiPort}/v1/score`, on: `http://127.0.0.1:${tracedPort}/v1/score` };
      const pids = { off: api.pid!, on: traced.pid! };
      // the untraced API has had its single run (JIT, Redis keys, the decision log's memory): the
      // traced one gets one too, unmeasured, or the first round charges its warm-up to tracing
      await drive("api", "single", urls.on, opts, true);
      const results = await tracingRounds(opts.tracingRounds, async (which) => {
        await drive("api", "single", urls[which], opts, false);
        const before = await cpuSample(pids[which], redisInfo);
        const f = await drive("api", "single", urls[which], opts, true);
        return { txPerSecond: f.txPerSecond, cpuUsPerTx: perTx(before, await cpuSample(pids[which], redisInfo), f.ok).server };
      });
      await stop(traced);
      sink.close();
      console.log(summary(results));
      console.log(`tracing: the sink received ${sink.posts} OTLP posts, ${(sink.bytes / 1e3).toFixed(0)} kB`);
    }

    // Graceful stop drains the write-behind queue: every decision answered must be in PostgreSQL.
    const apiExit = await stop(api);
    const { rows } = await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".decisions`);
    // requests still in flight when a run ends are scored but not counted as answered: expect at least
    console.log(
      `decisions written to PostgreSQL after the graceful stop: ${rows[0].n} (answered with 2xx: ${scored}; API exit code ${apiExit})`,
    );
    // the API has stopped: every key it will write is there, and the cleanup has not begun
    await reportRedisMemory(redisInfo, usedMemoryBefore);
    redisInfo.disconnect();

    const get = (t: string, m: string) => figures.find((f) => f.label === `${t} ${m}`);
    const [es, as, ab, ar] = [get("echo", "single"), get("api", "single"), get("api", "batch"), get("api", "rate")];
    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const apiRuns = [as, ab, ar].filter((f) => f !== undefined);
    const failed = apiRuns.reduce((n, f) => n + f.failed, 0);
    const degraded = apiRuns.reduce((n, f) => n + (f.degraded ?? 0), 0);
    const shadowRuns = (on: boolean) => figures.filter((f) => f.label?.startsWith(`api single, shadow ${on ? "on" : "off"}`));
    if (shadowRuns(true).length > 0) {
      // CPU per transaction of the API process: the cost, less sensitive than throughput to what else runs
      const cpu = (fs: Figures[]) => fs.map((f) => f.cpuUsPerTx?.server ?? Number.NaN);
      const tps = (fs: Figures[]) => fs.map((f) => f.txPerSecond);
      const [off, on] = [shadowRuns(false), shadowRuns(true)];
      const ratios = (a: number[], b: number[]) => a.map((x, i) => `${((100 * (b[i]! - x)) / x).toFixed(1)}%`).join(", ");
      // the walk itself, in this process: what the shadow adds per transaction without the noise of
      // a shared machine (the runs above include it, within their spread)
      const prepared = new PreparedModel(await loadModelVersion(models, shadowVersion), {});
      const rng = new Prng(7);
      const vectors = Array.from({ length: 1000 }, () =>
        Float64Array.from({ length: FEATURE_NAMES.length }, () => (rng.nextUint32() % 4 === 0 ? Number.NaN : rng.nextUint32() % 1000)),
      );
      const perCall = (fn: (v: Float64Array) => unknown) => {
        for (let i = 0; i < 20_000; i++) fn(vectors[i % 1000]!);
        const t = process.hrtime.bigint();
        for (let i = 0; i < 200_000; i++) fn(vectors[i % 1000]!);
        return Number(process.hrtime.bigint() - t) / 1000 / 200_000;
      };
      console.log(
        `shadow walk in-process: ${perCall((v) => prepared.probability(v)).toFixed(2)} us per transaction ` +
          `(the champion's walk with reasons: ${perCall((v) => prepared.score(v)).toFixed(2)} us; ${prepared.loaded.model.numTrees} trees)`,
      );
      console.log(
        `shadow overhead (same-size challenger, each pair back to back): API CPU per tx ${cpu(off)
          .map((x) => x.toFixed(1))
          .join("/")} us off vs ${cpu(on)
          .map((x) => x.toFixed(1))
          .join("/")} us on (${ratios(cpu(off), cpu(on))}); throughput ${ratios(tps(off), tps(on))}`,
      );
    }
    console.log("targets (this machine; autocannon shares its cores):");
    if (es && as) {
      console.log(
        `  single throughput >= 50% of bare echo: ${((100 * as.txPerSecond) / es.txPerSecond).toFixed(0)}%  ${verdict(as.txPerSecond >= es.txPerSecond / 2)}`,
      );
      console.log(`  single p99 <= 2x bare echo p99:        ${(as.p99 / es.p99).toFixed(2)}x  ${verdict(as.p99 <= 2 * es.p99)}`);
    }
    console.log(`  no failed request:                     ${failed} failed  ${verdict(failed === 0)}`);
    console.log(`  nothing degraded (Redis kept up):      ${degraded} degraded  ${verdict(degraded === 0)}`);
    if (ab) console.log(`  batch >= 50,000 tx/s:                  ${ab.txPerSecond.toFixed(0)} tx/s  ${verdict(ab.txPerSecond >= 50_000)}`);
    if (ar?.paced) {
      // the rate is met when (nearly) everything offered was answered within the run: the achieved
      // rate counts until the last answer, so it sits a little under the offered one
      const kept = ar.failed === 0 && ar.paced.offered >= TARGET_RATE && ar.txPerSecond >= RATE_KEPT * TARGET_RATE;
      console.log(
        `  ${`p99 <= ${TARGET_P99_MS} ms at ${TARGET_RATE.toLocaleString("en")} tx/s:`.padEnd(39)}p99 ${ar.p99.toFixed(2)} ms at ${ar.txPerSecond.toFixed(0)} tx/s ` +
          `(offered ${ar.paced.offered})  ${verdict(kept && ar.p99 <= TARGET_P99_MS)}` +
          (ar.paced.offered < TARGET_RATE ? ` (offered below ${TARGET_RATE} tx/s: --rate ${ar.paced.offered})` : ""),
      );
    }
  } finally {
    for (const c of children) await stop(c);
    await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await sql.close();
    await cleanRedis(redisUrl);
    rmSync(work, { recursive: true, force: true });
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info("memory"))?.[1] ?? NaN);
}

/** Keys of a kind measured one by one with MEMORY USAGE; past this many, a uniform sample of them. */
const MEMORY_SAMPLE_PER_KIND = 20_000;

/**
 * The entities keys belong to, recognised by the ids the bench makes (see transaction()) rather
 * than by key kind, so that the report follows whatever kinds the store uses.
 */
const ENTITY_IDS: readonly { entity: string; id: RegExp }[] = [
  { entity: "card", id: new RegExp(`${RUN}-card-\\d+`) },
  { entity: "merchant", id: new RegExp(`${RUN}-m-\\d+`) },
  { entity: "transaction", id: new RegExp(`${RUN}-\\d+`) },
];

interface KindMemory {
  entity: string;
  keys: number;
  /** Reservoir sample of the kind's keys (all of them up to MEMORY_SAMPLE_PER_KIND). */
  sample: string[];
  bytes: number;
}

/**
 * Redis memory of this run's keys by kind (the key's first segment after the store's prefix) and
 * per card, merchant and transaction, and used_memory before the run and now. Kinds are those the
 * store wrote, whatever they are; each is attributed to the entity whose ids its keys carry.
 */
async function reportRedisMemory(redis: Redis, usedBefore: number): Promise<void> {
  const prefix = DEFAULT_KEY_PREFIX;
  const kinds = new Map<string, KindMemory>();
  const ids = new Map<string, Set<string>>();
  /** Keys under the prefix without this run's ids: the rate limiter's leases, other clients. */
  const others = new Map<string, number>();
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = next;
    for (const key of keys) {
      const kind = key.slice(prefix.length).split(":")[0];
      if (!key.includes(`${RUN}-`)) {
        others.set(kind, (others.get(kind) ?? 0) + 1);
        continue;
      }
      const carried: [string, string][] = [];
      for (const { entity, id } of ENTITY_IDS) {
        const m = id.exec(key);
        if (m) carried.push([entity, m[0]]);
      }
      const entity = carried.map(([e]) => e).join("+") || "none";
      const k = kinds.get(kind) ?? { entity, keys: 0, sample: [], bytes: 0 };
      kinds.set(kind, k);
      // a kind whose keys carry different ids is no one entity's
      if (k.entity !== entity) k.entity = "mixed";
      k.keys++;
      if (k.sample.length < MEMORY_SAMPLE_PER_KIND) k.sample.push(key);
      else {
        const j = Math.floor(Math.random() * k.keys);
        if (j < MEMORY_SAMPLE_PER_KIND) k.sample[j] = key;
      }
      if (carried.length === 1) {
        const [e, id] = carried[0];
        if (!ids.has(e)) ids.set(e, new Set());
        ids.get(e)!.add(id);
      }
    }
  } while (cursor !== "0");

  for (const k of kinds.values()) {
    let sampled = 0;
    let measured = 0;
    for (let i = 0; i < k.sample.length; i += 1000) {
      const pipeline = redis.pipeline();
      for (const key of k.sample.slice(i, i + 1000)) pipeline.memory("USAGE", key, "SAMPLES", 0);
      for (const [err, bytes] of (await pipeline.exec()) ?? []) {
        // a key that expired since the SCAN answers null
        if (!err && typeof bytes === "number") {
          sampled++;
          measured += bytes;
        }
      }
    }
    k.bytes = sampled === 0 ? 0 : (measured / sampled) * k.keys;
  }

  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(`Redis memory of this run's keys under "${prefix}" (MEMORY USAGE key SAMPLES 0, after the API stopped, before the cleanup):`);
  console.log(`  ${"kind".padEnd(14)} ${"entity".padEnd(12)} ${"keys".padStart(9)} ${"bytes".padStart(12)} ${"bytes/key".padStart(10)}`);
  for (const [kind, k] of [...kinds].sort(([a], [b]) => a.localeCompare(b))) {
    const sampled = k.keys > k.sample.length ? `  (estimated from a uniform sample of ${k.sample.length} keys)` : "";
    console.log(
      `  ${kind.padEnd(14)} ${k.entity.padEnd(12)} ${String(k.keys).padStart(9)} ${k.bytes.toFixed(0).padStart(12)} ${(k.bytes / k.keys).toFixed(1).padStart(10)}${sampled}`,
    );
  }
  for (const { entity } of ENTITY_IDS) {
    const of = [...kinds].filter(([, k]) => k.entity === entity);
    const n = ids.get(entity)?.size ?? 0;
    if (of.length === 0 || n === 0) continue;
    const bytes = of.reduce((sum, [, k]) => sum + k.bytes, 0);
    console.log(`  per ${entity}: ${(bytes / n).toFixed(0)} bytes (${of.map(([kind]) => kind).join(", ")} over ${n} distinct ${entity}s)`);
  }
  if (others.size > 0) {
    console.log(
      `  not counted, under the prefix without this run's ids: ${[...others].map(([kind, n]) => `${kind} ${n}`).join(", ")} keys`,
    );
  }
  const usedAfter = await usedMemory(redis);
  console.log(
    `Redis used_memory: before the runs ${mb(usedBefore)}, after ${mb(usedAfter)} (${usedAfter >= usedBefore ? "+" : ""}${mb(usedAfter - usedBefore)}; ` +
      `the whole server: this run's keys, their overhead and anything else on it)`,
  );
}

/** Removes this run's keys (the API writes under the default prefix; every id carries RUN). */
async function cleanRedis(url: string): Promise<void> {
  const redis = new Redis(url);
  let cursor = "0";
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `*${RUN}*`, "COUNT", 5000);
    if (keys.length) removed += await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
  console.log(`bench:api: removed ${removed} Redis keys of this run`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
