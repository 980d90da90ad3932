/**
 * Test harness: an API started in-process on random ports against a temp local registry holding
 * the fixture model, with an HTTP helper. Tests pick the stores through env-style settings.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRegistry } from "../../registry/open";
import type { ModelRegistry } from "../../registry/registry";
import { testVersionFiles } from "../../testing/model-fixtures";
import { startApi, type RunningApi } from "../app";
import { loadApiConfig, type ApiConfig } from "../../serving/config";
import { createLogger, silentLogger, type Logger } from "../../serving/log";
import type { RuntimeOptions } from "../../serving/runtime";
import { embeddedClient } from "../../store/sql";

/** Hooks that start an API: an embedded database's first start (initdb in wasm) is slow on a busy machine. */
export const START_TIMEOUT_MS = 60_000;

let template: Promise<string> | undefined;
/**
 * A fresh embedded database directory. initdb runs once per test process into a template that is
 * copied after: opening an existing directory takes a second, creating one ten on a loaded machine.
 */
async function embeddedDir(): Promise<string> {
  template ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "fraud-api-db-template-"));
    await (await embeddedClient(dir)).close();
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  })();
  const dir = mkdtempSync(join(tmpdir(), "fraud-api-db-"));
  cpSync(await template, dir, { recursive: true });
  return dir;
}

export const TEST_KEY = "test-key-0123456789abcdef";
export const OTHER_KEY = "other-key-0123456789abcdef";

export interface Harness {
  readonly api: RunningApi;
  readonly registry: ModelRegistry;
  readonly registryDir: string;
  readonly cfg: ApiConfig;
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; json: any; text: string }>;
  metric(line: string): Promise<number>;
  close(): Promise<void>;
}

export interface HarnessOptions extends Partial<RuntimeOptions> {
  readonly env?: Record<string, string>;
  /** Override the database settings (embedded in a temp dir when DATABASE_URL is not in env). */
  readonly log?: Logger;
  /** Version promoted before start; none when null. */
  readonly initialVersion?: string | null;
  readonly requestTimeoutMs?: number;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const registryDir = mkdtempSync(join(tmpdir(), "fraud-api-registry-"));
  const registry = openRegistry(registryDir);
  const initial = opts.initialVersion === undefined ? "v1" : opts.initialVersion;
  if (initial) {
    await registry.putVersion(initial, testVersionFiles(initial));
    await registry.promote(initial, "test");
  }
  const env = {
    PORT: "0",
    METRICS_PORT: "0",
    API_KEYS: `${TEST_KEY},${OTHER_KEY}`,
    MODEL_REGISTRY: registryDir,
    RATE_LIMIT_PER_MINUTE: "0",
    ...opts.env,
  };
  let cfg = loadApiConfig(env);
  const dbDir = cfg.database.kind === "embedded" ? await embeddedDir() : undefined;
  if (dbDir) cfg = { ...cfg, database: { kind: "embedded", dir: dbDir } };
  const log = opts.log ?? (process.env.TEST_LOG ? createLogger("debug") : silentLogger);
  const api = await startApi(cfg, { ...opts, log });
  // tests query the tables right away: not before the background migration has made them
  await api.runtime.migrated;
  const base = `http://127.0.0.1:${api.port}`;
  const request: Harness["request"] = async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { "X-API-Key": TEST_KEY, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  };
  return {
    api,
    registry,
    registryDir,
    cfg,
    request,
    async metric(line) {
      const text = await (await fetch(`http://127.0.0.1:${api.metricsPort}/metrics`)).text();
      const found = text.split("\n").find((l) => l.startsWith(line + " "));
      return found ? Number(found.slice(line.length + 1)) : 0;
    },
    async close() {
      await api.shutdown();
      rmSync(registryDir, { recursive: true, force: true });
      if (dbDir) rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A valid transaction; ids are unique per call unless given. */
export function tx(over: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    transactionId: `tx-${process.pid}-${Date.now()}-${counter}`,
    timestamp: "2024-03-05T14:00:00Z",
    cardId: "card-1",
    merchantId: "merchant-1",
    amount: 100,
    currency: "EUR",
    merchantCategory: "5411",
    country: "FR",
    channel: "pos",
    ...over,
  };
}
