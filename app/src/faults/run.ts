/**
 * `npm run test:faults`: the API (a child process, as in production) under open-loop load against
 * its own Redis and PostgreSQL, which are killed, hung and restarted one after the other; then a
 * rollout (SIGTERM under load while traffic moves to a new process). Afterwards every transaction
 * answered 200 must be in PostgreSQL, no scoring request may have got a 5xx or no answer at all,
 * and every repeat of an answered transaction must have got its first decision. The one 503
 * allowed is a repeat's while PostgreSQL is unreachable and Redis knows the transaction: its
 * decision is only in PostgreSQL, and scoring it again could answer differently. Prints one row per
 * fault and exits 1 when any check fails. About a minute; not part of `npm test` for that reason.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openRegistry } from "../registry/open";
import { postgresClient } from "../store/sql";
import { testVersionFiles } from "../testing/model-fixtures";
import { Load, type PhaseCounts } from "./load";
import { PostgresServer, RedisServer } from "../testing/servers";

const RATE = Number(process.env.FAULTS_RATE ?? 300);
const API_KEY = "faults-key-0123456789abcdef";
const MAIN = resolve(__dirname, "../api/main.ts");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface ApiProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<number | null>;
  /** Its stderr (JSON log lines), for the report when something fails. */
  readonly log: string[];
}

async function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ["--import", require.resolve("tsx"), MAIN], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", METRICS_PORT: "0", API_KEYS: API_KEY, RATE_LIMIT_PER_MINUTE: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const log: string[] = [];
  const exited = new Promise<number | null>((r) => child.on("exit", (code: number | null) => r(code)));
  const port = await new Promise<number>((resolvePort, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`the API did not start within 60 s:\n${log.join("\n")}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        log.push(line);
        if (line.includes('"msg":"fraud API listening"')) {
          clearTimeout(timer);
          resolvePort((JSON.parse(line) as { port: number }).port);
        }
      }
    });
    void exited.then((code) => reject(new Error(`the API exited (${code}) before listening:\n${log.join("\n")}`)));
  });
  return { child, port, exited, log };
}

interface Row {
  readonly fault: string;
  readonly counts: PhaseCounts;
  inPostgres?: number;
}

async function main(): Promise<void> {
  const started = Date.now();
  const [redis, pg] = await Promise.all([RedisServer.start(), PostgresServer.start()]);
  const registryDir = mkdtempSync(join(tmpdir(), "fraud-faults-registry-"));
  const registry = openRegistry(registryDir);
  await registry.putVersion("v1", testVersionFiles("v1"));
  await registry.promote("v1", "faults");
  const env = { REDIS_URL: redis.url, DATABASE_URL: pg.url, MODEL_REGISTRY: registryDir, SHUTDOWN_DRAIN_SECONDS: "30" };
  const apis: ApiProcess[] = [];
  const rows: Row[] = [];
  let failed = false;
  try {
    let api = await startApi(env);
    apis.push(api);
    const load = new Load(api.port, API_KEY, RATE);
    const phase = async (fault: string, run: () => Promise<void>) => {
      await run();
      rows.push({ fault, counts: load.take() });
    };
    load.start();
    await phase("none (baseline)", () => sleep(2000));
    // PostgreSQL's faults before Redis loses its data: a transaction first scored before Redis was
    // emptied and repeated while PostgreSQL is down is a double fault nothing can answer (runbook)
    await phase("PostgreSQL killed, restarted", async () => {
      pg.kill();
      await sleep(3000);
      await pg.start();
      await sleep(4000);
    });
    await phase("PostgreSQL hung 3 s", async () => {
      pg.hang();
      await sleep(3000);
      pg.resume();
      await sleep(4000);
    });
    await phase("Redis killed, restarted", async () => {
      await redis.kill();
      await sleep(2000);
      await redis.start();
      await sleep(3000);
    });
    await phase("Redis hung 3 s", async () => {
      redis.hang();
      await sleep(3000);
      redis.resume();
      await sleep(3000);
    });
    await phase("Redis restarted empty", async () => {
      await redis.kill();
      redis.wipe();
      await sleep(1000);
      await redis.start();
      await sleep(3000);
    });
    await phase("API SIGTERM under load", async () => {
      // a rollout: the new process starts, the old one is signalled while traffic still reaches it
      // (a load balancer has not finished deregistering it), then traffic moves to the new one
      const next = await startApi(env);
      apis.push(next);
      const old = api;
      old.child.kill("SIGTERM");
      await sleep(500);
      load.port = next.port;
      api = next;
      await sleep(3000);
      const code = await old.exited;
      if (code !== 0) throw new Error(`the signalled API exited ${code}:\n${old.log.slice(-20).join("\n")}`);
    });
    await load.stop();
    load.close();
    api.child.kill("SIGTERM");
    const code = await api.exited;
    if (code !== 0) throw new Error(`the last API exited ${code}:\n${api.log.slice(-20).join("\n")}`);

    const sql = postgresClient({ connectionString: pg.url, max: 1 });
    try {
      for (const row of rows) {
        const { rows: found } = await sql.query<{ n: string }>(
          "SELECT count(*) AS n FROM decisions WHERE transaction_id = ANY($1::text[])",
          [row.counts.answered],
        );
        row.inPostgres = Number(found[0].n);
      }
    } finally {
      await sql.close();
    }
  } catch (err) {
    failed = true;
    console.error(err instanceof Error ? err.message : String(err));
  } finally {
    for (const a of apis) if (a.child.exitCode === null) a.child.kill("SIGKILL");
    await Promise.all([redis.stop(), pg.stop()]);
    rmSync(registryDir, { recursive: true, force: true });
  }

  const header = [
    "fault",
    "requests",
    "2xx",
    "4xx",
    "other 5xx",
    "503 (of them repeats)",
    "no answer",
    "answered in PG",
    "repeats consistent",
  ];
  const table = rows.map((r) => {
    const c = r.counts;
    return [
      r.fault,
      c.requests,
      c.ok,
      c.client,
      c.server,
      `${c.unavailable} (${c.repeatsUnavailable})`,
      c.failed,
      `${r.inPostgres ?? "?"}/${c.answered.length}`,
      `${c.repeatsConsistent}/${c.repeats}`,
    ].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  console.log(`fault suite: ${RATE} req/s open loop, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : "-".repeat(w + 1) + ":")).join("|")}|`);
  for (const t of table) console.log(line(t));
  for (const r of rows) {
    const c = r.counts;
    const bad =
      c.server +
      c.unavailable -
      c.repeatsUnavailable +
      c.failed +
      (c.repeats - c.repeatsConsistent) +
      (c.answered.length - (r.inPostgres ?? -1));
    if (bad > 0 || c.client > 0) {
      failed = true;
      console.error(`${r.fault}: ${c.problems.join("; ") || "decisions answered but not in PostgreSQL"}`);
    }
  }
  if (failed)
    for (const line of apis.flatMap((a) => a.log.filter((l) => l.includes('"msg":"request failed"'))).slice(0, 5)) console.error(line);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
