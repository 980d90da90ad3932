/**
 * The restore drill: two APIs (the real HTTP stack, PostgreSQL and Redis) score the same simulated
 * history. The victim's decision log is dumped with pg_dump, then the victim loses everything: its
 * database is dropped and its Redis prefix flushed. The dump is restored into a fresh database, the
 * features are rebuilt from it (rebuild-features), and a new API on the restored state scores the
 * next day alongside the control, which never lost anything: every decision, score, reason and
 * feature vector must be the same. Each step's duration is reported.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { startApi, type RunningApi } from "../api/app";
import { computeFeatures } from "../features/compute";
import type { FeatureStore, HistorySnapshot, ObserveResult, Transaction } from "../features/types";
import { openRegistry } from "../registry/open";
import { loadApiConfig } from "../serving/config";
import type { Logger } from "../serving/log";
import { deletePrefix, runFeatureRebuild, type FeatureRebuildResult } from "../serving/rebuild-features";
import type { SimulationOptions } from "../sim/simulator";
import { registerSeedModel } from "../trainer/seed";
import { createDatabase, dropDatabase, dumpDatabase, logCounts, restoreDatabase } from "./pg-tools";
import { simulatedTraffic, transactionJson, type Step } from "./traffic";

export interface DrillOptions {
  /** A PostgreSQL server where the drill may create and drop databases (any database's URL on it). */
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly simulation: SimulationOptions;
  /** Transactions per scoring request. Default 500. */
  readonly batchSize?: number;
  readonly log: Logger;
}

export interface Mismatch {
  readonly transactionId: string;
  readonly what: "decision" | "vector";
  readonly control: unknown;
  readonly restored: unknown;
}

export interface DrillReport {
  readonly history: { transactions: number; labels: number; seconds: number };
  readonly dump: { seconds: number; bytes: number; decisions: number; feedback: number };
  readonly loss: { redisKeysFlushed: number };
  readonly restore: { seconds: number; decisions: number; feedback: number };
  readonly rebuild: FeatureRebuildResult;
  readonly next: { transactions: number; sameDecisions: number; sameVectors: number; degraded: number };
  readonly mismatches: readonly Mismatch[];
}

const KEY = "drill-key-0123456789abcdef";

/** Records what each transaction read while `on`, so the drill compares vectors, not only decisions. */
class SnapshotRecorder implements FeatureStore {
  on = false;
  readonly seen = new Map<string, HistorySnapshot>();
  constructor(private readonly inner: FeatureStore) {}
  async observe(tx: Transaction): Promise<ObserveResult> {
    return (await this.observeMany([tx]))[0];
  }
  async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    const results = await this.inner.observeMany(txs);
    if (this.on) for (let i = 0; i < txs.length; i++) this.seen.set(txs[i].transactionId, results[i].snapshot);
    return results;
  }
  recordFraudLabel: FeatureStore["recordFraudLabel"] = (l) => this.inner.recordFraudLabel(l);
  retractFraudLabel: FeatureStore["retractFraudLabel"] = (l) => this.inner.retractFraudLabel(l);
  close = () => this.inner.close();
}

interface Started {
  readonly api: RunningApi;
  readonly recorder: SnapshotRecorder;
  send(step: Step): Promise<void>;
  score(txs: readonly Transaction[]): Promise<Record<string, unknown>[]>;
}

/** The APIs' feature settings (the defaults: both APIs and the rebuild read the same). */
const features = loadApiConfig({ API_KEYS: KEY }).features;

const seconds = (since: number) => Math.round(performance.now() - since) / 1000;

export async function runRestoreDrill(o: DrillOptions): Promise<DrillReport> {
  const id = `drill_${process.pid}_${Date.now().toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), "restore-drill-"));
  const registryDir = join(dir, "registry");
  await registerSeedModel(openRegistry(registryDir), () => undefined);
  const redis = new Redis(o.redisUrl);
  const prefix = { control: `${id}:control:`, victim: `${id}:victim:` };
  const databases = { control: `${id}_control`, victim: `${id}_victim`, restored: `${id}_restored` };
  const apis: RunningApi[] = [];

  const start = async (database: string, keyPrefix: string): Promise<Started> => {
    const cfg = loadApiConfig({
      PORT: "0",
      METRICS_PORT: "0",
      API_KEYS: KEY,
      MODEL_REGISTRY: registryDir,
      RATE_LIMIT_PER_MINUTE: "0",
      DATABASE_URL: database,
      REDIS_URL: o.redisUrl,
      // the drill compares full decisions: none may fall back to degraded on a loaded machine
      FEATURE_STORE_TIMEOUT_MS: "60000",
    });
    let recorder: SnapshotRecorder | undefined;
    const api = await startApi(cfg, {
      log: o.log,
      redisKeyPrefix: keyPrefix,
      wrapFeatureStore: (s) => (recorder = new SnapshotRecorder(s)),
    });
    apis.push(api);
    await api.runtime.migrated;
    const post = async (path: string, body: unknown): Promise<unknown> => {
      const res = await fetch(`http://127.0.0.1:${api.port}${path}`, {
        method: "POST",
        headers: { "X-API-Key": KEY, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text);
    };
    const score = async (txs: readonly Transaction[]) =>
      ((await post("/v1/score/batch", { transactions: txs.map(transactionJson) })) as { decisions: Record<string, unknown>[] }).decisions;
    return {
      api,
      recorder: recorder!,
      score,
      async send(step) {
        if (step.kind === "score") await score(step.txs);
        else
          await post("/v1/feedback", {
            transactionId: step.report.transactionId,
            label: step.report.label,
            reportedAt: new Date(step.report.reportedAt).toISOString(),
          });
      },
    };
  };

  try {
    const urls = {
      control: await createDatabase(o.databaseUrl, databases.control),
      victim: await createDatabase(o.databaseUrl, databases.victim),
    };
    const control = await start(urls.control, prefix.control);
    const victim = await start(urls.victim, prefix.victim);

    o.log.info("drill: scoring the history through both APIs");
    let t = performance.now();
    const traffic = simulatedTraffic(o.simulation, o.batchSize ?? 500);
    for (const step of traffic.history) await Promise.all([control.send(step), victim.send(step)]);
    const history = { ...traffic.counts, seconds: seconds(t) };

    // the last backup before the loss: the victim stopped, so its buffer is written
    await victim.api.shutdown();
    const file = join(dir, "decisions.dump");
    t = performance.now();
    await dumpDatabase(urls.victim, file);
    const dump = { seconds: seconds(t), bytes: statSync(file).size, ...(await logCounts(urls.victim)) };

    // the loss: the database and the feature state
    await dropDatabase(o.databaseUrl, databases.victim);
    const loss = { redisKeysFlushed: await deletePrefix(redis, prefix.victim) };

    t = performance.now();
    const restoredUrl = await createDatabase(o.databaseUrl, databases.restored);
    await restoreDatabase(restoredUrl, file);
    const restore = { seconds: seconds(t), ...(await logCounts(restoredUrl)) };
    const rebuild = await runFeatureRebuild({
      database: { kind: "postgres", url: restoredUrl, port: 5432, tls: false },
      redis: { url: o.redisUrl, tls: false },
      readSecret: () => Promise.reject(new Error("the drill reads no secret")),
      labelDelayMs: features.labelDelayMs,
      keyPrefix: prefix.victim,
      log: o.log,
    });

    const restored = await start(restoredUrl, prefix.victim);
    control.recorder.on = true;
    restored.recorder.on = true;
    const next = { transactions: traffic.next.length, sameDecisions: 0, sameVectors: 0, degraded: 0 };
    const mismatches: Mismatch[] = [];
    const size = o.batchSize ?? 500;
    for (let i = 0; i < traffic.next.length; i += size) {
      const txs = traffic.next.slice(i, i + size);
      const [want, got] = await Promise.all([control.score(txs), restored.score(txs)]);
      for (let j = 0; j < txs.length; j++) {
        const tid = txs[j].transactionId;
        if (want[j].degraded || got[j].degraded) next.degraded++;
        if (JSON.stringify(want[j]) === JSON.stringify(got[j])) next.sameDecisions++;
        else mismatches.push({ transactionId: tid, what: "decision", control: want[j], restored: got[j] });
        const a = [...computeFeatures(txs[j], control.recorder.seen.get(tid)!, features)];
        const b = [...computeFeatures(txs[j], restored.recorder.seen.get(tid)!, features)];
        if (JSON.stringify(a) === JSON.stringify(b)) next.sameVectors++;
        else mismatches.push({ transactionId: tid, what: "vector", control: a, restored: b });
      }
    }
    return { history, dump, loss, restore, rebuild, next, mismatches };
  } finally {
    for (const api of apis) await api.shutdown().catch(() => undefined);
    for (const p of Object.values(prefix)) await deletePrefix(redis, p).catch(() => undefined);
    redis.disconnect();
    for (const name of Object.values(databases)) await dropDatabase(o.databaseUrl, name).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
