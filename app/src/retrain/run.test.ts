/**
 * drift-retrain's Kubernetes side against a local HTTP server that answers the batch/v1 paths it
 * uses as the API server does (GET the CronJob, list Jobs, POST a Job, GET and PUT the claim Lease
 * with its resourceVersion precondition, 403 and 409), recording every request: the Job built from
 * the CronJob's template, its owner and labels, the claim before the Job, and one run per interval.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FIELD_MANAGER, KubeClient } from "./clients";
import { LAST_TRIGGER_ANNOTATION, TRIGGER_LABEL, type FiringAlert } from "./decide";
import { driftRetrain } from "./run";

const NS = "fraud-training";
const MIN = 60_000;
const HOUR = 60 * MIN;
const TOKEN = "sa-token";
const policy = { alertForMs: 30 * MIN, firingForMs: 60 * MIN, minIntervalMs: 24 * HOUR };
const T0 = Date.UTC(2026, 11, 1, 12);
const TEMPLATE_LABELS = { "app.kubernetes.io/name": "fraud-trainer", "app.kubernetes.io/component": "trainer" };
const JOB_SPEC = {
  activeDeadlineSeconds: 14_400,
  backoffLimit: 2,
  template: {
    metadata: { labels: TEMPLATE_LABELS },
    spec: { restartPolicy: "Never", serviceAccountName: "fraud-trainer", containers: [{ name: "trainer", image: "trainer:1" }] },
  },
};

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly body: any;
}

/** The API server's state and behaviour for the paths drift-retrain calls. */
class FakeApiServer {
  readonly requests: Recorded[] = [];
  cronJob: any;
  lease: any;
  jobs: any[] = [];
  private version = 100;
  /** Status to answer the next request of that method and kind with, instead of doing it. */
  fail: Partial<Record<"GET cronjobs" | "POST jobs" | "PUT leases", number>> = {};
  private server!: Server;
  url = "";

  reset(): void {
    this.requests.length = 0;
    this.jobs = [];
    this.fail = {};
    this.cronJob = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "fraud-trainer", namespace: NS, uid: "uid-cron-1", resourceVersion: String(++this.version), annotations: {} },
      spec: { schedule: "0 3 * * 0", jobTemplate: { metadata: { labels: TEMPLATE_LABELS }, spec: JOB_SPEC } },
    };
    // as the Pulumi program creates it: no owner, no spec
    this.lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "fraud-drift-retrain",
        namespace: NS,
        uid: "uid-lease-1",
        resourceVersion: String(++this.version),
        labels: { a: "b" },
      },
      spec: {},
    };
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(req.url!, "http://x");
        const text = Buffer.concat(chunks).toString("utf8");
        const r: Recorded = {
          method: req.method!,
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: text ? JSON.parse(text) : undefined,
        };
        this.requests.push(r);
        const [status, body] = this.answer(r);
        res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private status(code: number, reason: string, message: string): [number, unknown] {
    return [code, { kind: "Status", apiVersion: "v1", status: "Failure", reason, message, code }];
  }

  private answer(r: Recorded): [number, unknown] {
    if (r.headers.authorization !== `Bearer ${TOKEN}`) return this.status(401, "Unauthorized", "no token");
    const base = `/apis/batch/v1/namespaces/${NS}`;
    const leases = `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases`;
    const kind = r.path.startsWith(`${base}/cronjobs`)
      ? "cronjobs"
      : r.path.startsWith(`${base}/jobs`)
        ? "jobs"
        : r.path.startsWith(leases)
          ? "leases"
          : "";
    const failing = this.fail[`${r.method} ${kind}` as keyof FakeApiServer["fail"]];
    if (failing) {
      delete this.fail[`${r.method} ${kind}` as keyof FakeApiServer["fail"]];
      return this.status(failing, failing === 403 ? "Forbidden" : "Conflict", `injected ${failing}`);
    }
    if (r.method === "GET" && r.path === `${base}/cronjobs/fraud-trainer`) return [200, this.cronJob];
    if (r.method === "GET" && r.path === `${base}/jobs`) {
      const [k, v] = r.query.get("labelSelector")!.split("=");
      return [200, { kind: "JobList", items: this.jobs.filter((j) => j.metadata.labels?.[k!] === v) }];
    }
    if (r.method === "POST" && r.path === `${base}/jobs`) {
      if (this.jobs.some((j) => j.metadata.name === r.body.metadata.name)) return this.status(409, "AlreadyExists", "exists");
      const job = {
        ...r.body,
        metadata: { ...r.body.metadata, creationTimestamp: new Date(clock).toISOString(), uid: `uid-job-${this.jobs.length}` },
      };
      this.jobs.push(job);
      return [201, job];
    }
    if (r.method === "GET" && r.path === `${leases}/fraud-drift-retrain`) return [200, this.lease];
    if (r.method === "PUT" && r.path === `${leases}/fraud-drift-retrain`) {
      if (r.headers["content-type"] !== "application/json") return this.status(415, "UnsupportedMediaType", "");
      // an update replaces the object; a Lease's update is unconditional without a resourceVersion
      const { resourceVersion } = r.body.metadata;
      if (resourceVersion !== undefined && resourceVersion !== this.lease.metadata.resourceVersion)
        return this.status(409, "Conflict", "the object has been modified");
      this.lease = { ...r.body, metadata: { ...r.body.metadata, uid: this.lease.metadata.uid, resourceVersion: String(++this.version) } };
      return [200, this.lease];
    }
    return this.status(404, "NotFound", r.path);
  }

  /** A Job finished (Complete condition), as the Job controller would mark it. */
  complete(name: string): void {
    const j = this.jobs.find((x) => x.metadata.name === name);
    j.status = { conditions: [{ type: "Complete", status: "True" }] };
  }
}

let clock = T0;
const api = new FakeApiServer();
let firing: FiringAlert[] = [];
const warnings: string[] = [];
/** One check; `at` apart from the shared clock gives two checks at once different Job names. */
const run = (at?: number) =>
  driftRetrain(
    { cronJobName: "fraud-trainer", leaseName: "fraud-drift-retrain", policy },
    {
      alerts: async () => firing,
      kube: new KubeClient({ server: api.url, token: TOKEN, namespace: NS }),
      now: () => at ?? clock,
      warn: (m) => warnings.push(m),
    },
  );
const writes = () => api.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.split("/").slice(-2).join("/")}`);

describe("drift-retrain against a Kubernetes API server", () => {
  beforeAll(() => api.start());
  afterAll(() => api.close());
  beforeEach(() => {
    api.reset();
    clock = T0;
    warnings.length = 0;
    // active 2 hours ago: firing for 90 minutes, past the 60 required
    firing = [{ alertname: "FraudFeatureDrift", labels: { feature: "amount" }, activeAt: T0 - 2 * HOUR }];
  });

  it("claims the period on the Lease, then creates the Job kubectl create job --from would, owned by the CronJob", async () => {
    const result = await run();
    expect(result).toEqual({
      retrain: true,
      reason: "FraudFeatureDrift feature=amount has fired for 90 min",
      job: `fraud-trainer-drift-${T0 / 1000}`,
    });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /apis/batch/v1/namespaces/${NS}/cronjobs/fraud-trainer`,
      `GET /apis/coordination.k8s.io/v1/namespaces/${NS}/leases/fraud-drift-retrain`,
      `GET /apis/batch/v1/namespaces/${NS}/jobs`,
      `PUT /apis/coordination.k8s.io/v1/namespaces/${NS}/leases/fraud-drift-retrain`,
      `POST /apis/batch/v1/namespaces/${NS}/jobs`,
    ]);
    const [, , list, put, post] = api.requests;
    expect(list!.query.get("labelSelector")).toBe("app.kubernetes.io/name=fraud-trainer");
    // the claim: the Lease as read, with the start, conditional on the version read, under its own field manager
    expect(put!.query.get("fieldManager")).toBe(FIELD_MANAGER);
    expect(put!.body).toEqual({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "fraud-drift-retrain",
        namespace: NS,
        uid: "uid-lease-1",
        resourceVersion: "102",
        labels: { a: "b" },
        annotations: { [LAST_TRIGGER_ANNOTATION]: new Date(T0).toISOString() },
      },
      spec: {},
    });
    expect(post!.headers["content-type"]).toBe("application/json");
    expect(post!.body).toEqual({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: `fraud-trainer-drift-${T0 / 1000}`,
        namespace: NS,
        labels: { ...TEMPLATE_LABELS, [TRIGGER_LABEL]: "drift" },
        annotations: {
          "cronjob.kubernetes.io/instantiate": "manual",
          "fraud-platform.io/drift-reason": "FraudFeatureDrift feature=amount has fired for 90 min",
        },
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "fraud-trainer", uid: "uid-cron-1", controller: true }],
      },
      spec: JOB_SPEC,
    });
    expect(api.lease.metadata.annotations).toEqual({ [LAST_TRIGGER_ANNOTATION]: new Date(T0).toISOString() });
    // the CronJob is only read
    expect(api.cronJob.metadata.annotations).toEqual({});
  });

  it("starts at most one run per interval: not while it runs, not after it within 24 hours, again after", async () => {
    const first = (await run()).job!;
    clock = T0 + 10 * MIN;
    expect(await run()).toMatchObject({ retrain: false, reason: expect.stringMatching(/started 10 min ago, less than the 1440 min/) });
    api.complete(first);
    clock = T0 + 23 * HOUR;
    expect(await run()).toMatchObject({ retrain: false, reason: expect.stringMatching(/started 1380 min ago/) });
    expect(writes()).toEqual(["PUT leases/fraud-drift-retrain", "POST fraud-training/jobs"]);
    clock = T0 + 24 * HOUR;
    expect((await run()).job).toBe(`fraud-trainer-drift-${(T0 + 24 * HOUR) / 1000}`);
    expect(api.jobs).toHaveLength(2);
  });

  it("counts a drift Job still listed when the Lease lost its annotation (re-created)", async () => {
    await run();
    api.complete(api.jobs[0].metadata.name);
    api.lease.metadata.annotations = {};
    clock = T0 + 2 * HOUR;
    expect(await run()).toMatchObject({ retrain: false, reason: expect.stringMatching(/started 120 min ago/) });
    expect(api.jobs).toHaveLength(1);
  });

  it("waits for a scheduled trainer Job that is still running", async () => {
    api.jobs.push({
      metadata: { name: "fraud-trainer-29400000", labels: TEMPLATE_LABELS, creationTimestamp: new Date(T0 - HOUR).toISOString() },
    });
    expect(await run()).toEqual({ retrain: false, reason: "trainer Job fraud-trainer-29400000 is still running" });
    expect(writes()).toEqual([]);
  });

  it("starts nothing when the Lease changed between the read and the claim (409): two checks start one Job", async () => {
    api.fail["PUT leases"] = 409;
    expect(await run()).toMatchObject({
      retrain: false,
      reason: expect.stringMatching(/Lease fraud-drift-retrain changed since it was read/),
    });
    expect(api.jobs).toEqual([]);
    // two checks at once, a second apart so their Job names differ: both read the same version, and
    // only the claim conditioned on it stops the second Job
    const read = api.lease.metadata.resourceVersion;
    const [a, b] = await Promise.all([run(), run(clock + 1000)]);
    expect([a.retrain, b.retrain].sort()).toEqual([false, true]);
    expect(api.jobs).toHaveLength(1);
    const claims = api.requests.filter((r) => r.method === "PUT").slice(1);
    expect(claims.map((r) => r.body.metadata.resourceVersion)).toEqual([read, read]);
    const won = a.retrain ? clock : clock + 1000;
    expect(api.jobs[0].metadata.name).toBe(`fraud-trainer-drift-${won / 1000}`);
    expect(api.lease.metadata.annotations[LAST_TRIGGER_ANNOTATION]).toBe(new Date(won).toISOString());
  });

  it("gives the period back and fails when the Job is refused (403), so the next check can start it", async () => {
    api.lease.metadata.annotations = { [LAST_TRIGGER_ANNOTATION]: new Date(T0 - 48 * HOUR).toISOString() };
    api.fail["POST jobs"] = 403;
    await expect(run()).rejects.toThrow(
      /POST \/apis\/batch\/v1\/namespaces\/fraud-training\/jobs\?fieldManager=fraud-drift-retrain: HTTP 403/,
    );
    const puts = api.requests.filter((r) => r.method === "PUT").map((r) => r.body.metadata.annotations[LAST_TRIGGER_ANNOTATION]);
    expect(puts).toEqual([new Date(T0).toISOString(), new Date(T0 - 48 * HOUR).toISOString()]);
    expect(api.lease.metadata.annotations[LAST_TRIGGER_ANNOTATION]).toBe(new Date(T0 - 48 * HOUR).toISOString());
    // with no annotation before, the give-back removes it
    api.reset();
    api.fail["POST jobs"] = 403;
    await expect(run()).rejects.toThrow(/HTTP 403/);
    expect(api.lease.metadata.annotations).toEqual({});
    expect((await run()).retrain).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("says so, and throws both failures, when the give-back fails too", async () => {
    api.fail["POST jobs"] = 403;
    // the claim's update goes through; the give-back's is refused
    let patches = 0;
    const kube = new KubeClient({ server: api.url, token: TOKEN, namespace: NS });
    const update = kube.updateLease.bind(kube);
    kube.updateLease = (lease) => (++patches === 2 ? Promise.reject(new Error("connection reset")) : update(lease));
    const failed = driftRetrain(
      { cronJobName: "fraud-trainer", leaseName: "fraud-drift-retrain", policy },
      { alerts: async () => firing, kube, now: () => clock, warn: (m) => warnings.push(m) },
    );
    await expect(failed).rejects.toThrow(/HTTP 403.*; could not give the period back .*: connection reset/);
    expect(warnings).toEqual([expect.stringMatching(/^could not give the period back .*: connection reset$/)]);
    expect(api.lease.metadata.annotations[LAST_TRIGGER_ANNOTATION]).toBe(new Date(T0).toISOString());
  });

  it("keeps the claim when a Job of that name already exists (409 AlreadyExists)", async () => {
    api.jobs.push({
      metadata: { name: `fraud-trainer-drift-${T0 / 1000}`, labels: {}, creationTimestamp: new Date(T0).toISOString() },
      status: { conditions: [{ type: "Complete", status: "True" }] },
    });
    expect(await run()).toEqual({ retrain: false, reason: `Job fraud-trainer-drift-${T0 / 1000} already exists` });
    expect(api.lease.metadata.annotations[LAST_TRIGGER_ANNOTATION]).toBe(new Date(T0).toISOString());
  });

  it("fails with the API server's answer when it cannot read the CronJob (403)", async () => {
    api.fail["GET cronjobs"] = 403;
    await expect(run()).rejects.toThrow(
      /GET \/apis\/batch\/v1\/namespaces\/fraud-training\/cronjobs\/fraud-trainer: HTTP 403: .*Forbidden/,
    );
    expect(writes()).toEqual([]);
  });
});
