/**
 * The drift monitor on simulated traffic (app/src/sim): reference distributions built as the
 * trainer builds them, then later days of the same simulation, undrifted or drifted from a day on,
 * scored through the monitor with a compressed clock (20 transactions a minute).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FEATURE_COUNT } from "../features/compute";
import { PSI_SIGNIFICANT } from "../config/deploy-contract";
import { FEATURE_NAMES } from "../features/types";
import { DAY_MS } from "../domain/time";
import type { DecisionOutcome } from "../domain/decision";
import { writeSimulationCsv } from "../sim/csv-writer";
import type { SimulatedDrift } from "../sim/simulator";
import { loadCsv } from "./csv-reader";
import { eventOrder } from "./dataset";
import { fitLogistic, predictLogistic } from "./logistic";
import { featurePass } from "./offline-features";
import { referenceDistributions } from "./reference";
import { DriftMonitor, expectedBand, type MonitoredModel } from "../serving/drift-monitor";

const dir = mkdtempSync(join(tmpdir(), "drift-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIM = { days: 60, cards: 400, merchants: 800, seed: 3 };
const START = Date.UTC(2018, 3, 1);
const DRIFT_DAY = 50;
const TX_PER_MINUTE = 20;

interface Run {
  /** Per minute after the first hour: the 1h window's PSI by feature, and the score's. */
  readonly minutes: {
    readonly features: ReadonlyMap<string, number>;
    readonly score: number;
    readonly decline: number;
    /** The decline rate outside its expected band. */
    readonly declineOff: boolean;
  }[];
  readonly expectedDecline: number;
}

async function run(name: string, drift?: SimulatedDrift): Promise<Run> {
  const csv = join(dir, `${name}.csv`);
  await writeSimulationCsv({ ...SIM, ...(drift ? { drift } : {}) }, csv);
  const { dataset: d } = await loadCsv(csv);
  const pass = featurePass(d, eventOrder(d), new Uint8Array(d.size).fill(1), { timezone: "UTC", labelDelayMs: 7 * DAY_MS });
  const rowsOf = (fromDay: number, toDay: number): number[] => {
    const out: number[] = [];
    for (let k = 0; k < pass.rows.length; k++) {
      const t = d.timestamps[pass.rows[k]!]!;
      if (t >= START + fromDay * DAY_MS && t < START + toDay * DAY_MS) out.push(k);
    }
    return out;
  };
  const matrix = (ks: number[]): Float64Array => {
    const m = new Float64Array(ks.length * FEATURE_COUNT);
    ks.forEach((k, j) => m.set(pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT), j * FEATURE_COUNT));
    return m;
  };
  // trained on days 31-44 (the 30-day features are warm), tested on 45-49, served from day 50
  const train = rowsOf(31, 45);
  const trainX = matrix(train);
  const lr = fitLogistic(
    trainX,
    train.map((k) => d.labels[pass.rows[k]!]!),
    FEATURE_NAMES,
  );
  const testScores = predictLogistic(lr, matrix(rowsOf(45, DRIFT_DAY)));
  const sorted = Float64Array.from(testScores).sort();
  const thresholds = { review: sorted[Math.floor(sorted.length * 0.97)]!, decline: sorted[Math.floor(sorted.length * 0.995)]! };
  const reference = referenceDistributions(trainX, FEATURE_NAMES, testScores, thresholds);
  const model: MonitoredModel = { version: "v1", thresholds, loaded: { metadata: { featureNames: FEATURE_NAMES, thresholds, reference } } };

  let now = Date.UTC(2026, 0, 1);
  const monitor = new DriftMonitor(() => now, 1000);
  const live = rowsOf(DRIFT_DAY, SIM.days);
  const liveScores = predictLogistic(lr, matrix(live));
  const minutes: Run["minutes"] = [];
  live.forEach((k, i) => {
    const score = liveScores[i]!;
    const decision: DecisionOutcome = score >= thresholds.decline ? "decline" : score >= thresholds.review ? "review" : "approve";
    monitor.observe(model, pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT), score, decision);
    if ((i + 1) % TX_PER_MINUTE !== 0) return;
    now += 60_000;
    if (i + 1 < 60 * TX_PER_MINUTE) return;
    const w = monitor.snapshot()!.windows.find((x) => x.window === "1h")!;
    const band = expectedBand(reference.rates.decline, w.transactions);
    minutes.push({
      features: w.featurePsi,
      score: w.scorePsi,
      decline: w.rates.decline,
      declineOff: w.rates.decline < band.low || w.rates.decline > band.high,
    });
  });
  return { minutes, expectedDecline: reference.rates.decline };
}

const max = (xs: Iterable<number>): number => Math.max(...xs);

describe("drift monitor on simulated traffic", () => {
  it("stays below the alert threshold on undrifted traffic", { timeout: 120_000 }, async () => {
    const r = await run("steady");
    expect(r.minutes.length).toBeGreaterThan(200);
    const worst = new Map<string, number>();
    for (const m of r.minutes) for (const [f, v] of m.features) worst.set(f, Math.max(worst.get(f) ?? 0, v));
    expect(r.minutes.filter((m) => m.declineOff)).toEqual([]);
    for (const [feature, v] of worst) expect(v, feature).toBeLessThan(PSI_SIGNIFICANT);
    expect(max(r.minutes.map((m) => m.score))).toBeLessThan(PSI_SIGNIFICANT);
  });

  it("crosses it for the drifted features, every minute of the window", { timeout: 120_000 }, async () => {
    const r = await run("drifted", { fromDay: DRIFT_DAY, amountFactor: 1.6, newMerchantShare: 0.3 });
    const least = (f: string): number => Math.min(...r.minutes.map((m) => m.features.get(f)!));
    // the amounts moved, and so did what a new merchant population looks like (no history yet)
    expect(least("amount")).toBeGreaterThan(PSI_SIGNIFICANT);
    expect(least("merchant_tx_count_7d")).toBeGreaterThan(PSI_SIGNIFICANT);
    expect(Math.min(...r.minutes.map((m) => m.score))).toBeGreaterThan(PSI_SIGNIFICANT);
    // what did not move stays quiet: the cards' habits in numbers of transactions
    expect(max(r.minutes.map((m) => m.features.get("card_tx_count_1d")!))).toBeLessThan(0.1);
  });

  it("moves the decline rate out of its band when a fraud campaign starts mid-stream", { timeout: 120_000 }, async () => {
    const r = await run("campaign", { fromDay: DRIFT_DAY, compromisedCardsFactor: 40 });
    // the alert's condition: outside the band for 30 minutes in a row
    let run30 = 0;
    let longest = 0;
    for (const m of r.minutes) longest = Math.max(longest, (run30 = m.declineOff ? run30 + 1 : 0));
    expect(longest).toBeGreaterThanOrEqual(30);
  });
});
