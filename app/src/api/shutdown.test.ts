/**
 * SIGTERM on the real process: a request in flight completes, and decisions buffered while
 * PostgreSQL was unreachable are all written once it is back, before the process exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openRegistry } from "../registry/open";
import { postgresClient, type SqlClient } from "../store/sql";
import { TcpProxy } from "../store/tcp-proxy";
import { testVersionFiles } from "../testing/model-fixtures";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { TEST_KEY, tx } from "./testing/harness";

const MAIN = resolve(__dirname, "main.ts");
const TSX = require.resolve("tsx");

function waitForLog(child: ChildProcess, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms; got:\n${buf}`)), timeoutMs);
    child.stderr!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      for (const line of buf.split("\n")) {
        if (!line.includes(`"msg":"${msg}"`)) continue;
        clearTimeout(timer);
        resolvePromise(JSON.parse(line));
        return;
      }
    });
  });
}

describeWithPostgres("fraud API graceful shutdown", (databaseUrl) => {
  const schema = uniqueTestName("sigterm");
  const proxy = TcpProxy.forUrl(databaseUrl, 5432);
  let registryDir: string;
  let direct: SqlClient;
  let child: ChildProcess;

  beforeAll(async () => {
    direct = postgresClient({ connectionString: databaseUrl, max: 1 });
    await direct.query(`CREATE SCHEMA "${schema}"`);
    await proxy.start();
    registryDir = mkdtempSync(join(tmpdir(), "fraud-sigterm-registry-"));
    const registry = openRegistry(registryDir);
    await registry.putVersion("v1", testVersionFiles("v1"));
    await registry.promote("v1", "test");
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await direct.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await direct.close();
    await proxy.close();
    rmSync(registryDir, { recursive: true, force: true });
  });

  it("finishes in-flight requests and writes every buffered decision before exiting", async () => {
    const url = new URL(proxy.proxied(databaseUrl));
    url.searchParams.set("options", `-c search_path=${schema}`);
    child = spawn(process.execPath, ["--import", TSX, MAIN], {
      env: {
        PATH: process.env.PATH,
        PORT: "0",
        METRICS_PORT: "0",
        API_KEYS: TEST_KEY,
        DATABASE_URL: url.toString(),
        MODEL_REGISTRY: registryDir,
        SHUTDOWN_DRAIN_SECONDS: "20",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    const listening = await waitForLog(child, "fraud API listening", 45_000);
    const base = `http://127.0.0.1:${listening.port}`;

    await proxy.cut();
    const txs = Array.from({ length: 20 }, () => tx());
    for (const t of txs) {
      const r = await fetch(`${base}/v1/score`, {
        method: "POST",
        headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json" },
        body: JSON.stringify(t),
      });
      expect(r.status).toBe(200);
    }
    // A request in flight across the signal: half its body before SIGTERM, the rest after.
    const slow = tx();
    const body = JSON.stringify(slow);
    const inflight = new Promise<number>((resolveStatus, reject) => {
      const req = request(`${base}/v1/score`, {
        method: "POST",
        headers: { "X-API-Key": TEST_KEY, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) },
      });
      req.on("response", (res) => {
        res.resume();
        resolveStatus(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.write(body.slice(0, 20));
      setTimeout(() => {
        child.kill("SIGTERM");
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 100);
    });
    expect(await inflight).toBe(200);
    // PostgreSQL comes back while the process drains its buffer.
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode).toBeNull();
    await proxy.restore();
    expect(await exited).toBe(0);
    const { rows } = await direct.query<{ id: string }>(`SELECT transaction_id AS id FROM "${schema}".decisions`);
    expect(rows.map((r) => r.id).sort()).toEqual([...txs, slow].map((t) => String(t.transactionId)).sort());
  }, 90_000);
});
