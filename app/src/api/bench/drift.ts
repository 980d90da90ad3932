/**
 * `npm run bench:drift`: what the drift monitor adds to the hot path. On simulated traffic (feature
 * vectors computed as the trainer computes them) and the bundled seed model, times per transaction,
 * in one process, interleaved over rounds: the model's tree walk with reasons (what the scorer
 * already does for every transaction) and DriftMonitor.observe (the one call scoring adds). Counts
 * the garbage collections during the observe rounds: none means observe allocates nothing. Wall
 * clock: compare the ratio, not the nanoseconds, on a shared machine. For instruction counts, run
 * it under valgrind with BENCH_DRIFT_ONLY=none|walk|observe (and smaller BENCH_DRIFT_CARDS,
 * BENCH_DRIFT_DAYS): the differences between the totals are the loops' instructions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { FEATURE_COUNT } from "../../features/compute";
import { FEATURE_NAMES } from "../../features/types";
import { scoreWithReasons } from "../../model/reasons";
import { XGBoostModel } from "../../model/xgboost-model";
import { writeSimulationCsv } from "../../sim/csv-writer";
import { loadCsv } from "../../trainer/csv-reader";
import { eventOrder } from "../../trainer/dataset";
import { featurePass } from "../../trainer/offline-features";
import { referenceDistributions } from "../../trainer/reference";
import { DriftMonitor, type MonitoredModel } from "../../serving/drift-monitor";
import { DAY_MS } from "../../domain/time";
import type { DecisionOutcome } from "../../domain/decision";

const ONLY = process.env.BENCH_DRIFT_ONLY;
const ROUNDS = Number(process.env.BENCH_DRIFT_ROUNDS ?? 7);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const seedDir = resolve("app/models/seed");
  const seed = join(seedDir, readdirSync(seedDir)[0]!);
  const model = XGBoostModel.fromJson(readFileSync(join(seed, "model.json"), "utf8"), FEATURE_NAMES);
  const thresholds = JSON.parse(readFileSync(join(seed, "metadata.json"), "utf8")).thresholds as { review: number; decline: number };

  const dir = mkdtempSync(join(tmpdir(), "bench-drift-"));
  let features: Float64Array;
  try {
    const csv = join(dir, "sim.csv");
    await writeSimulationCsv(
      {
        days: Number(process.env.BENCH_DRIFT_DAYS ?? 40),
        cards: Number(process.env.BENCH_DRIFT_CARDS ?? 1000),
        merchants: 2 * Number(process.env.BENCH_DRIFT_CARDS ?? 1000),
        seed: 7,
      },
      csv,
    );
    const { dataset } = await loadCsv(csv);
    const keep = new Uint8Array(dataset.size).fill(1);
    features = featurePass(dataset, eventOrder(dataset), keep, { timezone: "UTC", labelDelayMs: 7 * DAY_MS }).features;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const n = features.length / FEATURE_COUNT;
  const rows = Array.from({ length: n }, (_, i) => features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = model.predict(rows[i]!);
  const reference = referenceDistributions(features, FEATURE_NAMES, scores, thresholds);
  const served: MonitoredModel = {
    version: "seed",
    thresholds,
    loaded: { metadata: { featureNames: FEATURE_NAMES, thresholds, reference } },
  };
  const monitor = new DriftMonitor();
  const decisions = Array.from(
    scores,
    (s) => (s >= thresholds.decline ? "decline" : s >= thresholds.review ? "review" : "approve") as DecisionOutcome,
  );

  let gcs = 0;
  const gc = new PerformanceObserver((list) => (gcs += list.getEntries().length));
  const walk: number[] = [];
  const observe: number[] = [];
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t = process.hrtime.bigint();
    if (ONLY !== "observe" && ONLY !== "none") for (let i = 0; i < n; i++) sink += scoreWithReasons(model, rows[i]!, 3).score;
    walk.push(Number(process.hrtime.bigint() - t) / n);
    gc.observe({ entryTypes: ["gc"] });
    t = process.hrtime.bigint();
    if (ONLY !== "walk" && ONLY !== "none") for (let i = 0; i < n; i++) monitor.observe(served, rows[i]!, scores[i]!, decisions[i]!);
    observe.push(Number(process.hrtime.bigint() - t) / n);
    gc.disconnect();
  }
  const t = process.hrtime.bigint();
  const snap = monitor.snapshot();
  const scrapeMs = Number(process.hrtime.bigint() - t) / 1e6;
  const w = median(walk);
  const o = median(observe);
  process.stdout.write(
    `${n} transactions x ${ROUNDS} rounds (medians), ${reference.score.edges.length + 1} score bins, ${snap?.windows[0]?.featurePsi.size ?? 0} monitored features\n` +
      `tree walk + reasons: ${w.toFixed(0)} ns/tx\n` +
      `drift observe:       ${o.toFixed(0)} ns/tx (${((100 * o) / w).toFixed(1)}% of the walk), ${gcs} garbage collections during ${ROUNDS * n} observes\n` +
      `snapshot (a scrape): ${scrapeMs.toFixed(2)} ms\n`,
  );
  if (sink === -1) process.stdout.write("");
}

void main();
