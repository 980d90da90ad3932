/**
 * Choosing the booster's depth, learning rate, rounds, class weighting and whether to use the
 * merchant's recent counts, on a validation window carved from the end of the training window
 * (never the test window): each candidate is fit once on the earlier days with the most rounds,
 * and scored on the later days after every `roundsStep` rounds by truncating the model, so rounds
 * cost no extra training run. The choice maximises validation AUC + average precision.
 */
import { XGBoostModel } from "../model/xgboost-model";
import { averagePrecision, curves, DAY_MS, rocAuc } from "./metrics";
import type { WindowData } from "./windows";
import { type BoosterParams, DEFAULT_BOOSTER_PARAMS, trainBooster } from "./xgboost";

/**
 * One point of the search; `weighted` sets scale_pos_weight to negatives/positives; the features
 * named in `blank` are trained as missing, so the model never splits on them (it still takes the
 * whole vector: serving is unchanged).
 */
export interface Candidate {
  readonly maxDepth: number;
  readonly eta: number;
  readonly weighted: boolean;
  readonly blank: readonly string[];
}

/**
 * The merchant's unshifted counts carry the signal where fraud hits merchants with few recent
 * transactions, and are noise where it does not (on the Handbook's data they cost 0.005-0.015
 * AUC): whether to use them is learnt, not fixed.
 */
export const RECENT_MERCHANT_COUNTS = ["merchant_tx_count_1d", "merchant_tx_count_7d", "merchant_tx_count_30d"] as const;

export interface TuningConfig {
  readonly candidates: readonly Candidate[];
  /** Rounds fit per candidate; the choice is a multiple of `roundsStep` up to this. */
  readonly maxRounds: number;
  readonly roundsStep: number;
  /** Days at the end of the training window held out for validation. */
  readonly validationDays: number;
  /**
   * How many candidates the model averages: the best `ensemble` by validation score, each at its
   * own best rounds (see ensemble.ts for why an average rather than the single best).
   */
  readonly ensemble: number;
}

/**
 * Default search: weighting is a candidate, not a rule (on the Handbook's data it cost 0.06-0.09
 * average precision); depth 3 to 6 and eta 0.05 to 0.3 cover what textbook baselines use.
 */
export const DEFAULT_TUNING: TuningConfig = {
  candidates: [
    ...[[], RECENT_MERCHANT_COUNTS].flatMap((blank) => [
      { maxDepth: 4, eta: 0.05, weighted: false, blank },
      { maxDepth: 4, eta: 0.1, weighted: false, blank },
      { maxDepth: 6, eta: 0.1, weighted: false, blank },
    ]),
    { maxDepth: 6, eta: 0.1, weighted: true, blank: [] },
  ],
  maxRounds: 300,
  roundsStep: 25,
  validationDays: 2,
  ensemble: 3,
};

/** One candidate and at most 100 rounds: first-run bootstraps, the seed model and tests. */
export const QUICK_TUNING: TuningConfig = {
  candidates: [{ maxDepth: 6, eta: 0.1, weighted: false, blank: [] }],
  maxRounds: 100,
  roundsStep: 25,
  validationDays: 2,
  ensemble: 1,
};

export const TUNINGS = { full: DEFAULT_TUNING, quick: QUICK_TUNING } as const;

export interface TrialResult extends Candidate {
  readonly rounds: number;
  readonly auc: number;
  readonly averagePrecision: number;
}

/** A chosen candidate: the params to fit it on the whole training window, and its best trial. */
export interface Member {
  readonly params: BoosterParams;
  /** Features to train as missing (the candidate's `blank`). */
  readonly blank: readonly string[];
  readonly trial: TrialResult;
}

export interface TuningResult {
  /** The candidates to average, best first (TuningConfig.ensemble of them, or fewer candidates). */
  readonly members: readonly Member[];
  /** Validation AUC and average precision of every candidate at every rounds step. */
  readonly trials: readonly TrialResult[];
  readonly fitRows: number;
  readonly validationRows: number;
  readonly validationFrauds: number;
  readonly seconds: number;
}

/** Rows of `w` before `cut` (fit) and from it (validation), as index lists. */
function splitAt(w: WindowData, cut: number): { fit: number[]; validation: number[] } {
  const fit: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < w.size; i++) (w.timestamps[i]! < cut ? fit : validation).push(i);
  return { fit, validation };
}

/** `features` (row-major, `names.length` wide) with the columns named in `blank` set to NaN; the same array when none. */
export function blankColumns(features: Float64Array, names: readonly string[], blank: readonly string[]): Float64Array {
  if (blank.length === 0) return features;
  const dims = names.length;
  const cols = blank.map((b) => {
    const j = names.indexOf(b);
    if (j < 0) throw new Error(`tuning: no feature named ${b}`);
    return j;
  });
  const out = Float64Array.from(features);
  for (let r = 0; r < out.length; r += dims) for (const j of cols) out[r + j] = Number.NaN;
  return out;
}

function rowsOf(w: WindowData, dims: number, idx: readonly number[]): { features: Float64Array; labels: Uint8Array } {
  const features = new Float64Array(idx.length * dims);
  const labels = new Uint8Array(idx.length);
  idx.forEach((i, j) => {
    features.set(w.features.subarray(i * dims, (i + 1) * dims), j * dims);
    labels[j] = w.labels[i]!;
  });
  return { features, labels };
}

/** XGBoost's JSON model keeping only its first `rounds` trees. */
export function truncateModel(modelJson: unknown, rounds: number): unknown {
  const doc = structuredClone(modelJson) as {
    learner: { gradient_booster: { model: { trees: unknown[]; tree_info: number[]; gbtree_model_param: { num_trees: string } } } };
  };
  const m = doc.learner.gradient_booster.model;
  m.trees = m.trees.slice(0, rounds);
  m.tree_info = m.tree_info.slice(0, rounds);
  m.gbtree_model_param.num_trees = String(m.trees.length);
  return doc;
}

/**
 * Scores every candidate at every rounds step on the validation days; a candidate's score is its
 * best step's AUC + average precision (ties: fewer rounds). Returns the best `cfg.ensemble`
 * candidates (ties: the earlier one) with the params to fit each on the whole training window.
 */
export async function tuneBooster(
  train: WindowData,
  dims: number,
  names: readonly string[],
  trainEnd: number,
  cfg: TuningConfig = DEFAULT_TUNING,
): Promise<TuningResult> {
  const started = performance.now();
  const cut = trainEnd - cfg.validationDays * DAY_MS;
  const { fit, validation } = splitAt(train, cut);
  const fitData = rowsOf(train, dims, fit);
  const validationData = rowsOf(train, dims, validation);
  const fitFrauds = fitData.labels.reduce((a, b) => a + b, 0);
  const validationFrauds = validationData.labels.reduce((a, b) => a + b, 0);
  if (fitFrauds === 0 || validationFrauds === 0 || fitFrauds === fit.length) {
    throw new Error(
      `tuning: the last ${cfg.validationDays} training days (validation) and the days before them (fit) each need frauds and genuine rows, ` +
        `got ${validationFrauds} of ${validation.length} and ${fitFrauds} of ${fit.length}: widen the training window`,
    );
  }
  const weight = (fit.length - fitFrauds) / fitFrauds;
  const score = (t: TrialResult): number => t.auc + t.averagePrecision;
  const trials: TrialResult[] = [];
  const bests: TrialResult[] = [];
  const scores = new Float64Array(validation.length);
  for (const c of cfg.candidates) {
    const params: BoosterParams = {
      ...DEFAULT_BOOSTER_PARAMS,
      maxDepth: c.maxDepth,
      eta: c.eta,
      rounds: cfg.maxRounds,
      scalePosWeight: c.weighted ? weight : 1,
    };
    const booster = await trainBooster(blankColumns(fitData.features, names, c.blank), dims, fitData.labels, params);
    const full = JSON.parse(booster.modelJson) as unknown;
    let best: TrialResult | undefined;
    for (let rounds = cfg.roundsStep; rounds <= cfg.maxRounds; rounds += cfg.roundsStep) {
      const model = XGBoostModel.fromJson(truncateModel(full, rounds), names);
      for (let i = 0; i < validation.length; i++) scores[i] = model.predict(validationData.features.subarray(i * dims, (i + 1) * dims));
      const c2 = curves(scores, validationData.labels);
      const trial = { ...c, rounds, auc: rocAuc(c2), averagePrecision: averagePrecision(c2) };
      trials.push(trial);
      if (!best || score(trial) > score(best)) best = trial;
    }
    bests.push(best!);
  }
  // a stable sort: equal scores keep the candidates' order
  const ranked = [...bests].sort((a, b) => score(b) - score(a));
  const trainFrauds = train.frauds;
  const members = ranked.slice(0, Math.max(1, cfg.ensemble)).map((t) => ({
    params: {
      ...DEFAULT_BOOSTER_PARAMS,
      maxDepth: t.maxDepth,
      eta: t.eta,
      rounds: t.rounds,
      scalePosWeight: t.weighted ? (train.size - trainFrauds) / trainFrauds : 1,
    },
    blank: t.blank,
    trial: t,
  }));
  return {
    members,
    trials,
    fitRows: fit.length,
    validationRows: validation.length,
    validationFrauds,
    seconds: (performance.now() - started) / 1000,
  };
}
