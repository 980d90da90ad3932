/**
 * The Fraud Detection Handbook's baseline (chapter 3, "Baseline feature transformation" and
 * "Baseline fraud detection system"), rebuilt as a yardstick for our trainer: its 15 features,
 * computed as the book's pandas code computes them, and its two textbook models on those features.
 *
 * The book's rolling windows are pandas time windows over one customer's (or terminal's)
 * time-sorted transactions: `rolling("7d")` at time t covers (t - 7 days, t], the current
 * transaction included, and of transactions at the same instant only those sorted before it.
 * Transactions here are sorted by (timestamp, transactionId). Times are read in UTC, the
 * simulator's clock.
 */
import type { Dataset } from "./dataset";
import { eventOrder } from "./dataset";
import { fitLogistic, predictLogistic } from "./logistic";
import { DAY_MS } from "./metrics";
import { predictBooster, trainBooster, type BoosterParams } from "./xgboost";

/** The book's `input_features`, in its order. */
export const HANDBOOK_FEATURE_NAMES = [
  "TX_AMOUNT",
  "TX_DURING_WEEKEND",
  "TX_DURING_NIGHT",
  "CUSTOMER_ID_NB_TX_1DAY_WINDOW",
  "CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW",
  "CUSTOMER_ID_NB_TX_7DAY_WINDOW",
  "CUSTOMER_ID_AVG_AMOUNT_7DAY_WINDOW",
  "CUSTOMER_ID_NB_TX_30DAY_WINDOW",
  "CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW",
  "TERMINAL_ID_NB_TX_1DAY_WINDOW",
  "TERMINAL_ID_RISK_1DAY_WINDOW",
  "TERMINAL_ID_NB_TX_7DAY_WINDOW",
  "TERMINAL_ID_RISK_7DAY_WINDOW",
  "TERMINAL_ID_NB_TX_30DAY_WINDOW",
  "TERMINAL_ID_RISK_30DAY_WINDOW",
] as const;

export const HANDBOOK_FEATURE_COUNT = HANDBOOK_FEATURE_NAMES.length;

/** The book's `delay_period`: a fraud label is known 7 days after its transaction. */
export const HANDBOOK_DELAY_DAYS = 7;

const WINDOW_DAYS = [1, 7, 30] as const;
const HOUR_MS = 3_600_000;
const CUSTOMER_COLUMN = 3;
const TERMINAL_COLUMN = 9;

/**
 * Rows grouped by `keys[row]` (card or merchant code), each group in `order`: group g is
 * `rows[starts[g] .. starts[g + 1])`. A counting sort, linear in the rows.
 */
function groupRows(order: Uint32Array, keys: Int32Array, groups: number): { starts: Uint32Array; rows: Uint32Array } {
  const starts = new Uint32Array(groups + 1);
  for (let i = 0; i < keys.length; i++) starts[keys[i]! + 1]!++;
  for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
  const next = starts.slice(0, groups);
  const rows = new Uint32Array(order.length);
  for (const i of order) rows[next[keys[i]!]!++] = i;
  return { starts, rows };
}

/** `CUSTOMER_ID_NB_TX_*` and `CUSTOMER_ID_AVG_AMOUNT_*` for one customer's rows, in time order. */
function customerFeatures(d: Dataset, rows: Uint32Array, out: Float64Array): void {
  const first = [0, 0, 0];
  for (let p = 0; p < rows.length; p++) {
    const i = rows[p]!;
    const t = d.timestamps[i]!;
    for (let w = 0; w < WINDOW_DAYS.length; w++) {
      const from = t - WINDOW_DAYS[w]! * DAY_MS;
      while (d.timestamps[rows[first[w]!]!]! <= from) first[w]!++;
      let sum = 0;
      for (let q = first[w]!; q <= p; q++) sum += d.amounts[rows[q]!]!;
      const n = p - first[w]! + 1;
      out[i * HANDBOOK_FEATURE_COUNT + CUSTOMER_COLUMN + 2 * w] = n;
      out[i * HANDBOOK_FEATURE_COUNT + CUSTOMER_COLUMN + 2 * w + 1] = sum / n;
    }
  }
}

/**
 * `TERMINAL_ID_NB_TX_*` and `TERMINAL_ID_RISK_*` for one terminal's rows, in time order: the book
 * counts transactions and frauds over (t - delay - window, t] minus those over (t - delay, t], i.e.
 * over the window that ends where the labels stop being known, whatever the report times.
 */
function terminalFeatures(d: Dataset, rows: Uint32Array, delayDays: number, out: Float64Array): void {
  const fraudsBefore = new Uint32Array(rows.length + 1);
  for (let q = 0; q < rows.length; q++) fraudsBefore[q + 1] = fraudsBefore[q]! + d.labels[rows[q]!]!;
  // spans[0] is the delay alone, then delay + each window; first[k]: first row inside (t - spans[k], t]
  const spans = [delayDays, ...WINDOW_DAYS.map((w) => delayDays + w)].map((days) => days * DAY_MS);
  const first = spans.map(() => 0);
  for (let p = 0; p < rows.length; p++) {
    const i = rows[p]!;
    const t = d.timestamps[i]!;
    for (let k = 0; k < spans.length; k++) {
      while (d.timestamps[rows[first[k]!]!]! <= t - spans[k]!) first[k]!++;
    }
    const unknown = first[0]!;
    for (let w = 0; w < WINDOW_DAYS.length; w++) {
      const from = first[w + 1]!;
      const n = unknown - from;
      const frauds = fraudsBefore[unknown]! - fraudsBefore[from]!;
      out[i * HANDBOOK_FEATURE_COUNT + TERMINAL_COLUMN + 2 * w] = n;
      // the book fills the undefined 0/0 risk with 0
      out[i * HANDBOOK_FEATURE_COUNT + TERMINAL_COLUMN + 2 * w + 1] = n === 0 ? 0 : frauds / n;
    }
  }
}

/**
 * The 15 features of every row of `d`, row-major (`d.size x HANDBOOK_FEATURE_COUNT`, dataset row
 * order, HANDBOOK_FEATURE_NAMES columns). Terminal risks use the labels (`d.labels`) of
 * transactions older than `delayDays`, as the book does; report times are not read.
 */
export function handbookFeatures(d: Dataset, delayDays: number = HANDBOOK_DELAY_DAYS): Float64Array {
  // With no delay the "known" window would reach the current transaction's own label.
  if (!Number.isInteger(delayDays) || delayDays < 1)
    throw new Error(`handbook features: the delay must be a whole number of days >= 1, got ${delayDays}`);
  const out = new Float64Array(d.size * HANDBOOK_FEATURE_COUNT);
  for (let i = 0; i < d.size; i++) {
    const t = d.timestamps[i]!;
    const weekday = (((Math.floor(t / DAY_MS) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
    const hour = Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
    out[i * HANDBOOK_FEATURE_COUNT] = d.amounts[i]!;
    out[i * HANDBOOK_FEATURE_COUNT + 1] = weekday === 0 || weekday === 6 ? 1 : 0;
    out[i * HANDBOOK_FEATURE_COUNT + 2] = hour <= 6 ? 1 : 0;
  }
  const order = eventOrder(d);
  const byCard = groupRows(order, d.cards, d.cardIds.length);
  for (let g = 0; g < d.cardIds.length; g++) customerFeatures(d, byCard.rows.subarray(byCard.starts[g]!, byCard.starts[g + 1]!), out);
  const byMerchant = groupRows(order, d.merchants, d.merchantIds.length);
  for (let g = 0; g < d.merchantIds.length; g++) {
    terminalFeatures(d, byMerchant.rows.subarray(byMerchant.starts[g]!, byMerchant.starts[g + 1]!), delayDays, out);
  }
  return out;
}

/** Rows of Handbook features with their labels, for fitting or scoring. */
export interface HandbookRows {
  /** Row-major, `labels.length x HANDBOOK_FEATURE_COUNT`. */
  readonly features: Float64Array;
  readonly labels: Uint8Array;
}

/**
 * The book's XGBoost, `XGBClassifier()` with its defaults: 100 trees of depth 6, learning rate
 * 0.3, no row or column subsampling, no class weighting. Every field is spelled out rather than
 * taken from DEFAULT_BOOSTER_PARAMS, which is the trainer's own choice and changes with it. One
 * difference remains: trainBooster always uses `tree_method = hist`, where XGBoost 1.x picked the
 * exact method for data this small.
 */
export const REFERENCE_BOOSTER: BoosterParams = Object.freeze({
  rounds: 100,
  eta: 0.3,
  maxDepth: 6,
  minChildWeight: 1,
  subsample: 1,
  colsampleBytree: 1,
  scalePosWeight: 1,
  nthread: 2,
  seed: 0,
});

/** XGBoost's probabilities for `test` from REFERENCE_BOOSTER trained on `train`. */
export async function referenceXgboostScores(train: HandbookRows, test: HandbookRows): Promise<Float64Array> {
  const booster = await trainBooster(train.features, HANDBOOK_FEATURE_COUNT, train.labels, REFERENCE_BOOSTER);
  return predictBooster(booster.modelJson, test.features, HANDBOOK_FEATURE_COUNT);
}

/**
 * The book's logistic regression: scikit-learn's `LogisticRegression()` on standardised features,
 * i.e. an L2 penalty of 1 (C = 1) on the coefficients, no class weighting. fitLogistic standardises
 * on the train rows itself, as the book's StandardScaler does.
 */
export function referenceLogisticScores(train: HandbookRows, test: HandbookRows): Float64Array {
  const model = fitLogistic(train.features, train.labels, HANDBOOK_FEATURE_NAMES, { positiveWeight: 1, l2: 1 });
  return predictLogistic(model, test.features);
}
