/**
 * The bundles as the images ship them: each Dockerfile's own bundler line builds them into a
 * directory outside the repository (no node_modules within reach), and each is started with the
 * image's command line (ENTRYPOINT/CMD, or the deploy contract's COMMANDS that Kubernetes uses,
 * checked against the Dockerfiles here), its ENV and its WORKDIR, against real services:
 * the API until /readyz answers 200 then SIGTERM; the stream worker with no Kafka broker (health
 * first, readiness saying why); the migrations on a fresh schema; the trainer's simulate + train.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS, ENV, HTTP_PATHS } from "./config/deploy-contract";
import { LocalRegistry } from "./registry/local-registry";
import { readDockerfile, type ImageSpec } from "./testing/dockerfile";
import { testVersionFiles } from "./testing/model-fixtures";
import { tx } from "./api/testing/harness";
import { describeWithPostgres, describeWithRedis, describeWithXgboost, testDatabaseUrl, uniqueTestName } from "./testing/services";

const REPO = resolve(__dirname, "../..");
const IMAGES = {
  api: readDockerfile(join(REPO, "app/Dockerfile.api")),
  trainer: readDockerfile(join(REPO, "app/Dockerfile.trainer")),
} as const;
type Image = keyof typeof IMAGES;

/** Each image's filesystem root: /app/dist/api.js of the api image is `${root.api}/app/dist/api.js`. */
const scratch = mkdtempSync(join(tmpdir(), "bundles-"));
const root: Record<Image, string> = { api: join(scratch, "api-image"), trainer: join(scratch, "trainer-image") };
const inImage = (image: Image, path: string) => (path === "/app" || path.startsWith("/app/") ? join(root[image], path) : path);

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

interface Started {
  readonly exited: Promise<Exit>;
  kill(signal: NodeJS.Signals): void;
  /** stderr so far, for failure messages. */
  log(): string;
}

/**
 * Starts `argv` ("node", script, args...) as the image would: the image's ENV and WORKDIR, plus
 * `env` (what the Deployment sets). The RDS CA bundle is downloaded at image build, so the
 * variable that points at it is left out.
 */
function start(image: Image, argv: readonly string[], env: Record<string, string> = {}): Started {
  const spec: ImageSpec = IMAGES[image];
  expect(argv[0], "the images run node").toBe("node");
  const imageEnv = Object.fromEntries(
    Object.entries(spec.env)
      .filter(([k, v]) => k !== "NODE_EXTRA_CA_CERTS" && !v.includes("${"))
      .map(([k, v]) => [k, inImage(image, v)]),
  );
  const child = spawn(
    process.execPath,
    argv.slice(1).map((a) => inImage(image, a)),
    {
      cwd: inImage(image, spec.workdir),
      env: { PATH: process.env.PATH ?? "", ...imageEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<Exit>((res, rej) => {
    child.on("error", rej);
    child.on("close", (code, signal) => res({ code, signal, out, err }));
  });
  return { exited, kill: (s) => child.kill(s), log: () => err };
}

async function run(image: Image, argv: readonly string[], env: Record<string, string> = {}): Promise<Exit> {
  return start(image, argv, env).exited;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function get(port: number, path: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined; // not listening yet
  }
}

/** Polls until `ok` holds for an answer; fails with the process's log if it exits first. */
async function waitFor(
  p: Started,
  port: number,
  path: string,
  ok: (r: { status: number; body: string }) => boolean,
  ms = 20_000,
): Promise<string> {
  let exited: Exit | undefined;
  p.exited.then(
    (e) => (exited = e),
    (e: unknown) => (exited = { code: null, signal: null, out: "", err: String(e) }),
  );
  const until = Date.now() + ms;
  let last: { status: number; body: string } | undefined;
  while (Date.now() < until && !exited) {
    last = await get(port, path);
    if (last && ok(last)) return last.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path}: ${exited ? `exited with ${exited.code ?? exited.signal}` : `last answer ${JSON.stringify(last)}`}\n${p.log()}`);
}

function withSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

const schemas: string[] = [];
async function freshSchema(tag: string): Promise<string> {
  const schema = uniqueTestName(tag);
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  schemas.push(schema);
  return schema;
}

async function registryWithModel(): Promise<string> {
  const dir = join(scratch, uniqueTestName("registry"));
  const registry = new LocalRegistry(dir);
  await registry.putVersion("v1", testVersionFiles("v1"));
  await registry.promote("v1", "bundle test");
  return dir;
}

/** The image's own bundler line, run where its build stage runs it: the repository root (WORKDIR /src). */
async function build(image: Image): Promise<void> {
  const [node, ...args] = IMAGES[image].build;
  expect(node, "the images bundle with node").toBe("node");
  const child = spawn(
    process.execPath,
    args.map((a) => inImage(image, a)),
    { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  expect(code, err).toBe(0);
}

beforeAll(() => Promise.all([build("api"), build("trainer")]), 60_000);

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  if (!schemas.length) return;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
});

const API_KEY = "bundle-test-key-0123456789";

describe("the images' command lines", () => {
  it("are the deploy contract's COMMANDS, and each names a bundle its image builds", () => {
    expect([...IMAGES.api.entrypoint, ...IMAGES.api.cmd]).toEqual(COMMANDS.api);
    expect([...IMAGES.trainer.entrypoint, ...IMAGES.trainer.cmd]).toEqual(COMMANDS.trainer);
    for (const [image, names] of [
      ["api", ["api", "worker", "migrate", "replay-decisions", "rebuild-features"]],
      ["trainer", ["trainer", "drift-retrain"]],
    ] as const) {
      for (const name of names) {
        const script = COMMANDS[name][1];
        expect(script, `${name} runs from its image's /app/dist`).toBe(`/app/dist/${name}.js`);
        expect(existsSync(inImage(image, script)), `${image} image builds ${script}`).toBe(true);
      }
    }
  });

  it("produce bundles with no import.meta left empty (the worker crashed on load with Invalid URL)", () => {
    for (const [image, name] of [
      ["api", "worker"],
      ["api", "api"],
      ["api", "migrate"],
      ["api", "replay-decisions"],
      ["api", "rebuild-features"],
      ["trainer", "trainer"],
      ["trainer", "drift-retrain"],
    ] as const) {
      expect(readFileSync(inImage(image, `/app/dist/${name}.js`), "utf8"), name).not.toMatch(/import_meta\d* = \{\}/);
    }
  });
});

describeWithPostgres("bundles against PostgreSQL", (databaseUrl) => {
  it("migrate applies the migrations to a fresh schema and exits 0", async () => {
    const schema = await freshSchema("bundle_migrate");
    const r = await run("api", COMMANDS.migrate, { [ENV.databaseUrl]: withSchema(databaseUrl, schema) });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain("migrations applied");
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
        [schema],
      );
      expect(tables.rows.map((t) => t.table_name)).toEqual(expect.arrayContaining(["decisions", "schema_migrations"]));
    } finally {
      await client.end();
    }
  }, 20_000);

  it("replay-decisions inserts a decision logged as not written, once", async () => {
    const schema = await freshSchema("bundle_replay");
    const env = { [ENV.databaseUrl]: withSchema(databaseUrl, schema) };
    expect((await run("api", COMMANDS.migrate, env)).code).toBe(0);
    const decision = {
      transactionId: "b-1",
      occurredAt: 1_709_294_400_000,
      cardId: "c",
      merchantId: "m",
      amount: 1.5,
      score: 0.1,
      decision: "approve",
      modelVersion: "v1",
      degraded: false,
      reasons: [],
    };
    const file = join(scratch, "pod.log");
    writeFileSync(file, `${JSON.stringify({ level: "error", msg: "decision not written", decision })}\nother\n`);
    const counts = { lines: 2, ignored: 1, malformed: 0, refused: 0 };
    const first = await run("api", [...COMMANDS["replay-decisions"], "--from", file], env);
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toEqual({ ...counts, inserted: 1, alreadyStored: 0 });
    const second = await run("api", [...COMMANDS["replay-decisions"], "--from", file], env);
    expect(JSON.parse(second.out)).toEqual({ ...counts, inserted: 0, alreadyStored: 1 });
  }, 20_000);

  describeWithRedis("and Redis", (redisUrl) => {
    const serviceEnv = async (tag: string) => ({
      [ENV.databaseUrl]: withSchema(databaseUrl, await freshSchema(tag)),
      [ENV.redisUrl]: redisUrl,
      [ENV.modelRegistry]: await registryWithModel(),
      [ENV.apiKeys]: API_KEY,
      [ENV.metricsPort]: String(await freePort()),
    });

    it("the API serves /readyz 200 with the model and both stores, and exits 0 on SIGTERM", async () => {
      const port = await freePort();
      const api = start("api", COMMANDS.api, { ...(await serviceEnv("bundle_api")), [ENV.port]: String(port) });
      try {
        const body = await waitFor(api, port, HTTP_PATHS.readiness, (r) => r.status === 200);
        expect(JSON.parse(body)).toMatchObject({ status: "ready", checks: { model: "ok (v1)", postgres: "ok", redis: "ok" } });
        // not degraded: the feature store's Lua scripts were found beside the bundle and ran in Redis
        const scored = await fetch(`http://127.0.0.1:${port}/v1/score`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": API_KEY },
          body: JSON.stringify(tx({ transactionId: uniqueTestName("bundle-tx") })),
        });
        expect(await scored.json()).toMatchObject({ decision: "approve", modelVersion: "v1", degraded: false });
        // the docs page's assets were found beside the bundle
        const asset = await get(port, "/docs/static/swagger-ui-bundle.js");
        expect(asset?.status).toBe(200);
        expect(asset?.body.length).toBeGreaterThan(100_000);
      } finally {
        api.kill("SIGTERM");
      }
      const exit = await api.exited;
      expect(exit.code, exit.err).toBe(0);
    }, 30_000);

    it("the API with tracing on exports a caller's trace over OTLP/HTTP and logs its service and version", async () => {
      // a stand-in for the collector: records what is POSTed to /v1/traces
      const bodies: Buffer[] = [];
      const sink = createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          if (req.url === "/v1/traces") bodies.push(Buffer.concat(chunks));
          res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
        });
      });
      await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
      const port = await freePort();
      const api = start("api", COMMANDS.api, {
        ...(await serviceEnv("bundle_traced")),
        [ENV.port]: String(port),
        [ENV.otelEndpoint]: `http://127.0.0.1:${(sink.address() as { port: number }).port}`,
        [ENV.otelSampler]: "parentbased_traceidratio",
        [ENV.otelSamplerArg]: "0.01",
        [ENV.otelResourceAttributes]: "service.version=bundle-test",
      });
      const traceId = "5bf92f3577b34da6a3ce929d0e0e4737";
      try {
        await waitFor(api, port, HTTP_PATHS.readiness, (r) => r.status === 200);
        const scored = await fetch(`http://127.0.0.1:${port}/v1/score`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": API_KEY, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
          body: JSON.stringify(tx({ transactionId: uniqueTestName("bundle-traced") })),
        });
        expect(scored.status).toBe(200);
      } finally {
        api.kill("SIGTERM");
      }
      const exit = await api.exited;
      sink.close();
      expect(exit.code, exit.err).toBe(0);
      // the SDK flushed at shutdown: the caller's trace id is in what the collector received
      expect(Buffer.concat(bodies).includes(Buffer.from(traceId, "hex")), "trace id exported").toBe(true);
      expect(exit.err).toMatch(/"service":"fraud-api","version":"bundle-test".*"msg":"tracing on"/);
    }, 30_000);

    it("the worker serves /healthz with no broker, /readyz 503 says why, and exits 0 on SIGTERM", async () => {
      const env = await serviceEnv("bundle_worker");
      const port = Number(env[ENV.metricsPort]);
      // nothing listens on port 1: the connection is refused, as by a broker that is not up yet
      const worker = start("api", COMMANDS.worker, { ...env, [ENV.kafkaBrokers]: "127.0.0.1:1" });
      try {
        await waitFor(worker, port, HTTP_PATHS.liveness, (r) => r.status === 200);
        const body = await waitFor(worker, port, HTTP_PATHS.readiness, (r) => r.status === 503 && r.body.includes("ECONNREFUSED"));
        expect(JSON.parse(body)).toMatchObject({
          status: "not ready",
          checks: {
            model: "ok (v1)",
            postgres: "ok",
            redis: "ok",
            kafka: expect.stringMatching(/ECONNREFUSED 127\.0\.0\.1:1.*reconnecting/),
          },
        });
        const failed = worker
          .log()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as { msg?: string; causes?: string[]; service?: string })
          .find((l) => l.msg === "stream: Kafka failed; reconnecting");
        expect(failed).toMatchObject({ service: "fraud-worker", causes: expect.arrayContaining([expect.stringMatching(/ECONNREFUSED/)]) });
      } finally {
        worker.kill("SIGTERM");
      }
      const exit = await worker.exited;
      expect(exit.code, exit.err).toBe(0);
    }, 30_000);

    it("rebuild-features observes a logged decision into Redis (its Lua scripts beside the bundle), once", async () => {
      const schema = await freshSchema("bundle_rebuild");
      // a Redis database of its own: --flush empties the serving prefix there, not the suite's
      const redis = new URL(redisUrl);
      redis.pathname = "/9";
      const env = { [ENV.databaseUrl]: withSchema(databaseUrl, schema), [ENV.redisUrl]: redis.toString() };
      expect((await run("api", COMMANDS.migrate, env)).code).toBe(0);
      const decision = {
        transactionId: "r-1",
        occurredAt: 1_709_294_400_000,
        cardId: "c",
        merchantId: "m",
        amount: 1.5,
        score: 0.1,
        decision: "approve",
        modelVersion: "v1",
        degraded: false,
        reasons: [],
      };
      const file = join(scratch, "rebuild-pod.log");
      writeFileSync(file, `${JSON.stringify({ level: "error", msg: "decision not written", decision })}\n`);
      expect((await run("api", [...COMMANDS["replay-decisions"], "--from", file], env)).code).toBe(0);
      const first = await run("api", [...COMMANDS["rebuild-features"], "--flush"], env);
      expect(first.code, first.err).toBe(0);
      expect(JSON.parse(first.out)).toMatchObject({ transactions: 1, alreadyRecorded: 0, fraudLabels: 0 });
      const second = await run("api", COMMANDS["rebuild-features"], env);
      expect(JSON.parse(second.out)).toMatchObject({ transactions: 1, alreadyRecorded: 1 });
    }, 30_000);
  });
});

describeWithXgboost("the trainer bundle", (xgboostBin) => {
  it("simulates a small data set and trains, registers and promotes a model (quick tuning)", async () => {
    const dir = mkdtempSync(join(scratch, "trainer-run-"));
    const data = join(dir, "data.csv");
    const registry = join(dir, "registry");
    const entry = IMAGES.trainer.entrypoint;
    // the image has Debian's xgboost on PATH; here it may live elsewhere
    const env = { XGBOOST_BIN: xgboostBin, TMPDIR: dir };
    const sim = await run(
      "trainer",
      [...entry, "simulate", "--days", "61", "--cards", "600", "--merchants", "1200", "--seed", "5", "--out", data],
      env,
    );
    expect(sim.code, sim.err).toBe(0);
    const dates = [
      "--train-start",
      "2018-05-01",
      "--train-end",
      "2018-05-14",
      "--delay-days",
      "7",
      "--test-start",
      "2018-05-22",
      "--test-end",
      "2018-05-31",
    ];
    const train = await run(
      "trainer",
      [
        ...COMMANDS.trainer,
        "--data",
        data,
        "--registry",
        registry,
        ...dates,
        "--tuning",
        "quick",
        "--rounds",
        "20",
        "--version",
        "bundled",
        "--json",
      ],
      env,
    );
    expect(train.code, train.err).toBe(0);
    expect(JSON.parse(train.out)).toMatchObject({ version: "bundled", promoted: true });
    expect(JSON.parse(readFileSync(join(registry, "manifest.json"), "utf8")).production).toBe("bundled");
    // the report's charts render inside the bundle (Vega, loaded by import(), without a canvas)
    expect(readFileSync(join(registry, "models", "bundled", "report", "index.html"), "utf8").match(/<svg /g)).toHaveLength(4);
  }, 60_000);
});
