/**
 * `npm run bench:redis [-- --cards 2000 --calls 3 --shared --parts]`
 *
 * The Redis feature store alone, without the API: RedisFeatureStore.observeMany in calls of 100
 * transactions (and one-transaction calls), on a private `redis-server` started for the run (on a
 * unix socket, no persistence: its command statistics are this run's alone), or with `--shared`
 * against TEST_REDIS_URL under a throwaway key prefix, on two kinds of traffic:
 * - burst: every card makes 25 transactions within minutes and every merchant ~100 (bench:api's
 *   traffic: its 20,000 cards and 5,000 merchants, unique transactions, cards interleaved);
 * - daily: every card makes ~3 transactions a day and every merchant ~12 an hour, over 40 days of
 *   data time, measured over the last 5 (so cards hold their 30 day buckets, merchants their hours
 *   and days).
 * Prints per transaction the Redis time of the script calls (`INFO commandstats`, evalsha usec:
 * Redis's own clock around each command, so time it spent descheduled by other load on the machine
 * counts), the CPU time of the whole Redis process (`INFO cpu`: what the kernel charged it, which
 * load inflates less; a private server's is this run's alone), the commands the scripts ran
 * with their share, the process CPU of observing the same transactions again (all repeats: what
 * reading the strings and replying them costs without the writes), and then the bytes per card
 * (the ids it remembers included), per merchant and per transaction in all (`MEMORY USAGE`,
 * sampled). Each figure is the lowest of
 * `--calls` repetitions of the measured phase on fresh keys. `--parts` then prices the script's
 * parts one by one (bench-redis-parts.ts; private server only).
 */
import Redis from "ioredis";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DAY_MS, HOUR_MS } from "./buckets";
import { printParts } from "./bench-redis-parts";
import { RedisFeatureStore } from "./redis-store";
import type { Transaction } from "./types";
import { seededRandom } from "../testing/random";

interface Options {
  cards: number;
  repeats: number;
  shared: boolean;
  parts: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { cards: 2000, repeats: 3, shared: false, parts: false };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === "--shared" || argv[i] === "--parts") {
      o[argv[i] === "--shared" ? "shared" : "parts"] = true;
      i--;
    } else if (argv[i] === "--cards" && v > 0) o.cards = v;
    else if (argv[i] === "--calls" && v > 0) o.repeats = v;
    else throw new Error(`unknown or invalid option ${argv[i]} ${argv[i + 1] ?? ""}`);
  }
  return o;
}

const RUN = `benchredis${process.pid}`;

interface Phase {
  /** Transactions observed before measuring (history), then the measured ones. */
  readonly warm: Transaction[];
  readonly measured: Transaction[];
}

/** bench:api's traffic: 25 transactions a card within minutes, cards interleaved. */
function burst(prefix: string, cards: number): Phase {
  const merchants = Math.max(1, Math.round(cards / 4));
  const n = cards * 25;
  const t0 = Date.now();
  const measured: Transaction[] = [];
  for (let seq = 1; seq <= n; seq++) {
    measured.push({
      transactionId: `${prefix}-${seq}`,
      timestamp: t0 + Math.floor((seq / n) * 10 * 60_000),
      cardId: `${prefix}-card-${(seq * 7919) % cards}`,
      merchantId: `${prefix}-m-${(seq * 104_729) % merchants}`,
      amount: Math.round(((seq * 37) % 50_000) + 100) / 100,
    });
  }
  return { warm: [], measured };
}

/** ~3 transactions a card a day over 40 days; the last 5 days measured. */
function daily(prefix: string, cards: number): Phase {
  const rand = seededRandom(cards);
  const merchants = Math.max(1, Math.round(cards / 10));
  const days = 40;
  const n = cards * 3 * days;
  const t0 = Math.floor(Date.now() / DAY_MS - days) * DAY_MS;
  const warm: Transaction[] = [];
  const measured: Transaction[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const timestamp = t0 + Math.floor((seq / n) * days * DAY_MS) + Math.floor(rand() * 0.5 * HOUR_MS);
    const tx: Transaction = {
      transactionId: `${prefix}-${seq}`,
      timestamp,
      cardId: `${prefix}-card-${Math.floor(rand() * cards)}`,
      merchantId: `${prefix}-m-${Math.floor(rand() ** 2 * merchants)}`,
      amount: Math.round(1 + rand() * 30_000) / 100,
    };
    (timestamp >= t0 + (days - 5) * DAY_MS ? measured : warm).push(tx);
  }
  return { warm, measured };
}

/** Calls and usec per command (cmdstat_*), from INFO commandstats. */
async function commandStats(redis: Redis): Promise<Map<string, { calls: number; usec: number }>> {
  const out = new Map<string, { calls: number; usec: number }>();
  for (const m of (await redis.info("commandstats")).matchAll(/cmdstat_([^:]+):calls=(\d+),usec=(\d+)/g)) {
    out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  }
  return out;
}

/** CPU seconds the Redis process used so far, user and system (INFO cpu: getrusage). */
async function processCpu(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  return Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1]) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]);
}

interface Measure {
  usPerTx: number;
  /** The Redis process's CPU per transaction (with the network and protocol work around the scripts). */
  processUsPerTx: number;
  /** The same, observing the measured transactions again: all repeats, so the reads and the reply without writes. */
  repeatUsPerTx: number;
  commands: Map<string, { calls: number; usec: number }>;
}

async function observeAll(store: RedisFeatureStore, txs: readonly Transaction[], perCall: number): Promise<void> {
  for (let i = 0; i < txs.length; i += perCall) await store.observeMany(txs.slice(i, i + perCall));
}

/** The phase's measured transactions observed in calls of `perCall`: Redis time per transaction. */
async function measure(admin: Redis, store: RedisFeatureStore, phase: Phase, perCall: number): Promise<Measure> {
  await observeAll(store, phase.warm, 100);
  const before = await commandStats(admin);
  const cpuBefore = await processCpu(admin);
  await observeAll(store, phase.measured, perCall);
  const cpuAfter = await processCpu(admin);
  const after = await commandStats(admin);
  const commands = new Map<string, { calls: number; usec: number }>();
  for (const [name, a] of after) {
    if (name === "info") continue;
    const b = before.get(name) ?? { calls: 0, usec: 0 };
    if (a.calls > b.calls) commands.set(name, { calls: a.calls - b.calls, usec: a.usec - b.usec });
  }
  const script = commands.get("evalsha") ?? { usec: NaN };
  await observeAll(store, phase.measured, perCall);
  const cpuRepeats = await processCpu(admin);
  const n = phase.measured.length;
  return {
    usPerTx: script.usec / n,
    processUsPerTx: ((cpuAfter - cpuBefore) * 1e6) / n,
    repeatUsPerTx: ((cpuRepeats - cpuAfter) * 1e6) / n,
    commands,
  };
}

/** Mean MEMORY USAGE of the keys of each kind under `prefix` (a sample of at most 5,000 each). */
async function memoryByKind(admin: Redis, prefix: string): Promise<Map<string, { keys: number; bytes: number }>> {
  const keysByKind = new Map<string, string[]>();
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    cursor = next;
    for (const key of keys) {
      const kind = key.slice(prefix.length).split(":")[0]!;
      const list = keysByKind.get(kind) ?? [];
      keysByKind.set(kind, list);
      list.push(key);
    }
  } while (cursor !== "0");
  const out = new Map<string, { keys: number; bytes: number }>();
  for (const [kind, keys] of keysByKind) {
    const sample = keys.filter((_, i) => i % Math.ceil(keys.length / 5000) === 0);
    const pipeline = admin.pipeline();
    for (const key of sample) pipeline.memory("USAGE", key, "SAMPLES", 0);
    let total = 0;
    for (const [, bytes] of (await pipeline.exec()) ?? []) total += Number(bytes ?? 0);
    out.set(kind, { keys: keys.length, bytes: (total / sample.length) * keys.length });
  }
  return out;
}

async function removeKeys(admin: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await admin.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 5000);
    if (keys.length) await admin.unlink(...keys);
    cursor = next;
  } while (cursor !== "0");
}

function entities(txs: readonly Transaction[]): { cards: number; merchants: number } {
  return { cards: new Set(txs.map((t) => t.cardId)).size, merchants: new Set(txs.map((t) => t.merchantId)).size };
}

/** A redis-server of our own on a unix socket; stopped and its directory removed by the returned function. */
async function privateRedis(): Promise<{ path: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "bench-redis-"));
  const path = join(dir, "redis.sock");
  const child = spawn("redis-server", ["--port", "0", "--unixsocket", path, "--save", "", "--appendonly", "no", "--dir", dir], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  for (let i = 0; i < 100; i++) {
    const probe = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const ok = await probe.connect().then(
      () => true,
      () => false,
    );
    probe.disconnect();
    if (ok) break;
    await sleep(50);
  }
  return {
    path,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.shared && opts.parts) throw new Error("--parts writes unprefixed keys: only on the private server");
  const server = opts.shared ? undefined : await privateRedis();
  const url = server ? `redis-server on ${server.path}` : process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379";
  const admin = server ? new Redis({ path: server.path }) : new Redis(url);
  const runs: [string, (p: string, cards: number) => Phase, number][] = [
    ["burst, calls of 100", burst, 100],
    ["burst, calls of 1", burst, 1],
    ["daily, calls of 100", daily, 100],
  ];
  try {
    console.log(`bench:redis: ${opts.cards} cards per traffic kind, lowest of ${opts.repeats} repetitions; Redis ${url}`);
    for (const [name, make, perCall] of runs) {
      let best: Measure | undefined;
      let memory = "";
      for (let r = 0; r < opts.repeats; r++) {
        const prefix = `${RUN}:${r}:`;
        const phase = make(`${RUN}${r}`, opts.cards);
        const store = new RedisFeatureStore(admin, { keyPrefix: prefix });
        try {
          const m = await measure(admin, store, phase, perCall);
          const repeatUsPerTx = Math.min(m.repeatUsPerTx, best?.repeatUsPerTx ?? Infinity);
          if (!best || m.usPerTx < best.usPerTx)
            best = { ...m, processUsPerTx: Math.min(m.processUsPerTx, best?.processUsPerTx ?? Infinity), repeatUsPerTx };
          else best = { ...best, processUsPerTx: Math.min(best.processUsPerTx, m.processUsPerTx), repeatUsPerTx };
          if (r === 0 && perCall === 100) {
            const all = [...phase.warm, ...phase.measured];
            const { cards, merchants } = entities(all);
            const kinds = await memoryByKind(admin, prefix);
            const per = (kind: string, n: number) => ((kinds.get(kind)?.bytes ?? NaN) / n).toFixed(0);
            const allBytes = [...kinds.values()].reduce((s, v) => s + v.bytes, 0);
            memory =
              `  memory: ${per("card", cards)} bytes per card (${cards}; the ids of its transactions included), ` +
              `${per("merchant", merchants)} per merchant (${merchants}); ${(allBytes / all.length).toFixed(0)} per transaction in all (${[...kinds.keys()].join(", ")} keys)`;
          }
        } finally {
          await removeKeys(admin, prefix);
        }
      }
      const m = best!;
      const txs = make("count", opts.cards).measured.length;
      console.log(
        `${name}: ${m.usPerTx.toFixed(2)} us per transaction in the scripts (commandstats), ${m.processUsPerTx.toFixed(2)} us of Redis process CPU (${txs} transactions)`,
      );
      const parts = [...m.commands].sort(([, a], [, b]) => b.usec - a.usec);
      for (const [cmd, c] of parts) {
        console.log(
          `  ${cmd.padEnd(12)} ${(c.calls / txs).toFixed(3).padStart(7)} calls/tx ${(c.usec / txs).toFixed(2).padStart(6)} us/tx ${(c.usec / c.calls).toFixed(2).padStart(7)} us/call`,
        );
      }
      console.log(
        `  the same transactions again (all repeats: the reads and the reply, nothing written): ${m.repeatUsPerTx.toFixed(2)} us of Redis process CPU`,
      );
      if (memory) console.log(memory);
    }
    if (opts.parts) await printParts(admin, opts.repeats);
  } finally {
    await admin.quit();
    await server?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
