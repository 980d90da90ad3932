/**
 * Test helpers for suites that need a real server (Redis, PostgreSQL) or the XGBoost CLI.
 *
 * Without the service, `npm test` still runs and the suite is skipped with a reason printed once
 * ("Redis not reachable at redis://...: skipped 12 tests"). With REQUIRE_SERVICES=1 (set by
 * .ci/run) a missing service is a failing test instead, so CI can never go green by skipping.
 *
 *   describeWithRedis("redis feature store", (redisUrl) => {
 *     beforeAll(async () => { client = new Redis(redisUrl); });
 *     it("...", async () => { ... });
 *   });
 *
 * Probes are synchronous (a short-lived child process) so that the decision is made while vitest
 * collects tests: a `beforeAll` inside a skipped suite never runs against a server that is not
 * there. Results are cached per test worker.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, describe, it } from "vitest";
import { findXgboost } from "../trainer/xgboost";
import { postgresInstalled } from "./servers";

export const DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379";
export const DEFAULT_TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";
const PROBE_TIMEOUT_MS = 2000;

export interface ServiceProbe {
  /** Human name, e.g. "Redis". */
  readonly name: string;
  /** What the tests will use: a URL or a binary path. */
  readonly target: string;
  readonly available: boolean;
  /** Why it is unavailable (empty when available). */
  readonly reason: string;
}

/** True when a missing service must fail the run instead of skipping (CI). */
export function servicesRequired(): boolean {
  return process.env.REQUIRE_SERVICES === "1";
}

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL || DEFAULT_TEST_REDIS_URL;
}

export function testDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
}

const cache = new Map<string, ServiceProbe>();

function cached(key: string, probe: () => ServiceProbe): ServiceProbe {
  let result = cache.get(key);
  if (!result) {
    result = probe();
    cache.set(key, result);
  }
  return result;
}

/** Hide credentials when a URL is printed in a skip or failure message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Runs `script` in a child Node process with `target` as process.argv[1]; it must exit 0 when the service
 * answers. The child resolves packages from this repository's node_modules.
 */
function probeInChild(name: string, target: string, script: string): ServiceProbe {
  const shown = redactUrl(target);
  const child = spawnSync(process.execPath, ["-e", script, target], {
    cwd: process.cwd(),
    timeout: PROBE_TIMEOUT_MS + 1500,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (child.status === 0) return { name, target, available: true, reason: "" };
  const detail = (child.stderr || child.error?.message || `exit ${child.status ?? child.signal}`).trim().split("\n")[0];
  return { name, target, available: false, reason: `${name} not reachable at ${shown} (${detail})` };
}

/** Connects and sends PING. */
export function probeRedis(url: string = testRedisUrl()): ServiceProbe {
  const script = `
    const Redis = require(${JSON.stringify(require.resolve("ioredis"))});
    const r = new Redis(process.argv[1], { lazyConnect: true, connectTimeout: ${PROBE_TIMEOUT_MS},
      maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    let last;
    r.on("error", (e) => { last = e; });
    r.connect().then(() => r.ping()).then(() => { r.disconnect(); process.exit(0); },
      (e) => { process.stderr.write(String((last || e).message || e)); process.exit(1); });`;
  return cached(`redis:${url}`, () => probeInChild("Redis", url, script));
}

/** Connects and runs `select 1`. */
export function probePostgres(url: string = testDatabaseUrl()): ServiceProbe {
  const script = `
    const { Client } = require(${JSON.stringify(require.resolve("pg"))});
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: ${PROBE_TIMEOUT_MS} });
    c.connect().then(() => c.query("select 1")).then(() => c.end()).then(() => process.exit(0),
      (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  return cached(`postgres:${url}`, () => probeInChild("PostgreSQL", url, script));
}

/** Finds the XGBoost CLI: $XGBOOST_BIN, else `xgboost` on PATH. */
export function probeXgboost(): ServiceProbe {
  return cached("xgboost", () => {
    const explicit = process.env.XGBOOST_BIN;
    const found = findXgboost();
    if (found) return { name: "XGBoost CLI", target: found, available: true, reason: "" };
    return {
      name: "XGBoost CLI",
      target: explicit ?? "xgboost",
      available: false,
      reason: `XGBoost CLI not found (${explicit ? `XGBOOST_BIN=${explicit}` : "no xgboost on PATH"}; apt-get install -y xgboost)`,
    };
  });
}

interface TaskLike {
  readonly type: string;
  readonly tasks?: readonly TaskLike[];
}

function countTests(task: TaskLike): number {
  return (task.tasks ?? []).reduce((n, t) => n + (t.type === "test" ? 1 : countTests(t)), 0);
}

/**
 * `describe(name, factory)` when the service is available. Otherwise: with REQUIRE_SERVICES=1 a
 * failing test naming the missing service; without it the suite's tests are collected as skipped
 * (none of their hooks run) and one line says what was not exercised.
 */
export function describeWithService(probe: ServiceProbe, name: string, factory: (target: string) => void): void {
  if (probe.available) {
    describe(name, () => factory(probe.target));
    return;
  }
  if (servicesRequired()) {
    describe(name, () => {
      it(`requires ${probe.name}`, () => {
        throw new Error(`${probe.reason}; REQUIRE_SERVICES=1 makes this a failure`);
      });
    });
    return;
  }
  describe(name, () => {
    // One test that runs (and skips itself) keeps the suite alive so the afterAll below reports.
    it(`needs ${probe.name}`, (ctx) => ctx.skip(probe.reason));
    describe.skip(`needs ${probe.name}`, () => factory(probe.target));
    afterAll(({}, suite) => {
      const skipped = countTests(suite) - 1;
      console.warn(`[skip] ${probe.reason}: skipped ${skipped} tests in "${name}" (REQUIRE_SERVICES=1 fails instead)`);
    });
  });
}

export function describeWithRedis(name: string, factory: (redisUrl: string) => void): void {
  describeWithService(probeRedis(), name, factory);
}

export function describeWithPostgres(name: string, factory: (databaseUrl: string) => void): void {
  describeWithService(probePostgres(), name, factory);
}

export function describeWithXgboost(name: string, factory: (xgboostBin: string) => void): void {
  describeWithService(probeXgboost(), name, factory);
}

/**
 * A name no other test run uses, for Redis key prefixes, PostgreSQL schemas and temp dirs:
 * several test files (and engineers) share one Redis and one database.
 */
export function uniqueTestName(tag: string): string {
  return `test_${tag.replace(/[^A-Za-z0-9_]/g, "_")}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** A PostgreSQL server of the suite's own (PostgresServer): the binaries installed, not a running server. */
export function describeWithPostgresBinaries(name: string, factory: () => void): void {
  const installed = postgresInstalled();
  const probe: ServiceProbe = {
    name: "PostgreSQL server binaries",
    target: "/usr/lib/postgresql/*/bin",
    available: installed,
    reason: installed ? "" : "no /usr/lib/postgresql/*/bin (apt-get install postgresql)",
  };
  describeWithService(probe, name, () => factory());
}
