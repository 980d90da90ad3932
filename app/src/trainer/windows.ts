/** Feature vectors of the train and test windows, from one point-in-time pass over all rows. */
import { FEATURE_COUNT } from "../features/compute";
import type { FeatureConfig } from "../features/types";
import { eventOrder, type Dataset } from "./dataset";
import { featurePass, type FeaturePassResult } from "./offline-features";
import { progressBar } from "./progress";
import { describeSplit, windowOf, type TimeSplit } from "./split";

export interface WindowData {
  readonly size: number;
  /** Row-major size x FEATURE_COUNT, event order. */
  readonly features: Float64Array;
  readonly labels: Uint8Array;
  readonly timestamps: Float64Array;
  /** Card codes (for card precision). */
  readonly cards: Int32Array;
  readonly frauds: number;
}

export interface Windows {
  readonly train: WindowData;
  readonly test: WindowData;
  readonly pass: FeaturePassResult;
}

function select(d: Dataset, pass: FeaturePassResult, picks: number[]): WindowData {
  const features = new Float64Array(picks.length * FEATURE_COUNT);
  const labels = new Uint8Array(picks.length);
  const timestamps = new Float64Array(picks.length);
  const cards = new Int32Array(picks.length);
  let frauds = 0;
  picks.forEach((k, j) => {
    const i = pass.rows[k]!;
    features.set(pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT), j * FEATURE_COUNT);
    labels[j] = d.labels[i]!;
    frauds += labels[j]!;
    timestamps[j] = d.timestamps[i]!;
    cards[j] = d.cards[i]!;
  });
  return { size: picks.length, features, labels, timestamps, cards, frauds };
}

/** Replays the whole data set (all of it is history) and keeps the rows of the two windows. */
export function buildWindows(d: Dataset, split: TimeSplit, cfg: FeatureConfig): Windows {
  const keep = new Uint8Array(d.size);
  for (let i = 0; i < d.size; i++) keep[i] = windowOf(split, d.timestamps[i]!) === 0 ? 0 : 1;
  const order = eventOrder(d);
  const bar = progressBar("features", order.length);
  const pass = featurePass(d, order, keep, cfg, (done) => bar.update(done));
  bar.finish();
  const train: number[] = [];
  const test: number[] = [];
  for (let k = 0; k < pass.rows.length; k++) (windowOf(split, d.timestamps[pass.rows[k]!]!) === 1 ? train : test).push(k);
  return { train: select(d, pass, train), test: select(d, pass, test), pass };
}

/** Fails with a precise message when a window cannot be used for training or evaluation. */
export function assertUsable(w: WindowData, which: "train" | "test", split: TimeSplit): void {
  if (w.size === 0) throw new Error(`the ${which} window has no rows (${describeSplit(split)}): check the dates against the data`);
  if (w.frauds === 0 || w.frauds === w.size) {
    throw new Error(
      `the ${which} window needs both frauds and genuine rows, got ${w.frauds} frauds of ${w.size} (${describeSplit(split)})`,
    );
  }
}
