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
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { build } from "esbuild";
import Redis from "ioredis";
import { postgresClient } from "../../store/sql";
import { otlpSink, summary, TRACING_ENV, tracingRounds } from "./tracing-cost";
import { bootstrapModel } from "../../trainer/bootstrap";
import { serializeMetadata } from "../../registry/metadata";
import { openRegistry } from "../../registry/open";
import { loadModelVersion } from "../../registry/load";
import { FEATURE_NAMES } from "../../features/types";
import { PreparedModel } from "../../serving/model-holder";
import { Prng } from "../../sim/prng";
import { cpuSample, perTx } from "./cpu";
import { drive, type Figures } from "./load";
import { API_KEY, type Mode, type Only, parseArgs, RATE_KEPT, TARGET_P99_MS, TARGET_RATE, txPerRequest } from "./options";
import { stop, waitForLine } from "./processes";
import { cleanRedis, reportRedisMemory, usedMemory } from "./redis-memory";
import { RUN } from "./transactions";

// the same variables and defaults as the tests (app/src/testing/services.ts, which imports vitest)
const testDatabaseUrl = () => process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const testRedisUrl = () => process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";

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

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
