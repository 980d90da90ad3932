/**
 * Ranking metrics for fraud scores, as the Fraud Detection Handbook reports them. Scores are
 * compared at distinct thresholds (tied scores move together), so results do not depend on the
 * order of tied rows.
 */
import type { EvaluationMetrics } from "../registry/metadata";
import { DAY_MS } from "../domain/time";

export interface Curves {
  /** ROC points from (0,0) to (1,1), one per distinct threshold. */
  readonly fpr: Float64Array;
  readonly tpr: Float64Array;
  /** Precision at each distinct threshold (descending score); recall = tpr without the origin. */
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  /** The score at each ROC point after the origin. */
  readonly thresholds: Float64Array;
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new Error(`metrics: ${scores.length} scores for ${labels.length} labels`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]!)) throw new Error(`metrics: score ${i} is NaN`);
  }
}

/** ROC and precision-recall points at every distinct score, highest first. */
export function curves(scores: ArrayLike<number>, labels: ArrayLike<number>): Curves {
  checkInputs(scores, labels);
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] ? 1 : 0;
  const negatives = n - positives;
  const fpr = [0];
  const tpr = [0];
  const precision: number[] = [];
  const recall: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n;) {
    const s = scores[order[k]!]!;
    while (k < n && scores[order[k]!]! === s) {
      if (labels[order[k]!]) tp++;
      else fp++;
      k++;
    }
    fpr.push(negatives ? fp / negatives : 0);
    tpr.push(positives ? tp / positives : 0);
    precision.push(tp / (tp + fp));
    recall.push(positives ? tp / positives : 0);
    thresholds.push(s);
  }
  return {
    fpr: Float64Array.from(fpr),
    tpr: Float64Array.from(tpr),
    precision: Float64Array.from(precision),
    recall: Float64Array.from(recall),
    thresholds: Float64Array.from(thresholds),
  };
}

export function rocAuc(c: Curves): number {
  let area = 0;
  for (let i = 1; i < c.fpr.length; i++) area += ((c.fpr[i]! - c.fpr[i - 1]!) * (c.tpr[i]! + c.tpr[i - 1]!)) / 2;
  return area;
}

export function averagePrecision(c: Curves): number {
  let ap = 0;
  let previousRecall = 0;
  for (let i = 0; i < c.recall.length; i++) {
    ap += (c.recall[i]! - previousRecall) * c.precision[i]!;
    previousRecall = c.recall[i]!;
  }
  return ap;
}

export function recallAtFpr(c: Curves, maxFpr: number): number {
  let best = 0;
  for (let i = 0; i < c.fpr.length; i++) if (c.fpr[i]! <= maxFpr && c.tpr[i]! > best) best = c.tpr[i]!;
  return best;
}

/** The lowest score threshold whose false-positive rate is at most `maxFpr` (flag scores >= it). */
export function thresholdAtFpr(c: Curves, maxFpr: number): number {
  let threshold = Number.POSITIVE_INFINITY;
  for (let i = 1; i < c.fpr.length; i++) if (c.fpr[i]! <= maxFpr) threshold = c.thresholds[i - 1]!;
  return threshold;
}

/**
 * Card precision top-k per day (Handbook, chapter 4): each day, a card's risk is its highest score
 * that day and it counts as frauded if any of its transactions that day is fraud; the precision of
 * the k riskiest cards is averaged over days. A day with fewer than k cards still divides by k, as
 * the investigators' capacity is k cards a day.
 */
export function cardPrecisionAtK(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  days: ArrayLike<number>,
  cards: ArrayLike<number>,
  k: number,
): number {
  checkInputs(scores, labels);
  const byDay = new Map<number, Map<number, { score: number; fraud: boolean }>>();
  for (let i = 0; i < scores.length; i++) {
    let dayCards = byDay.get(days[i]!);
    if (!dayCards) byDay.set(days[i]!, (dayCards = new Map()));
    const card = dayCards.get(cards[i]!);
    if (!card) dayCards.set(cards[i]!, { score: scores[i]!, fraud: labels[i] === 1 });
    else {
      card.score = Math.max(card.score, scores[i]!);
      card.fraud ||= labels[i] === 1;
    }
  }
  if (byDay.size === 0) return 0;
  let sum = 0;
  for (const dayCards of byDay.values()) {
    const ranked = [...dayCards.entries()].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]);
    let frauded = 0;
    for (let r = 0; r < Math.min(k, ranked.length); r++) if (ranked[r]![1].fraud) frauded++;
    sum += frauded / k;
  }
  return sum / byDay.size;
}

export { DAY_MS };

/** All four metrics of a scored test window. `timestamps` give the UTC day, `cards` the card codes. */
export function computeMetrics(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  timestamps: ArrayLike<number>,
  cards: ArrayLike<number>,
): { metrics: EvaluationMetrics; curves: Curves } {
  const c = curves(scores, labels);
  const days = Float64Array.from({ length: timestamps.length }, (_, i) => Math.floor(timestamps[i]! / DAY_MS));
  let frauds = 0;
  for (let i = 0; i < labels.length; i++) frauds += labels[i] ? 1 : 0;
  return {
    metrics: {
      auc: rocAuc(c),
      averagePrecision: averagePrecision(c),
      cardPrecisionAt100: cardPrecisionAtK(scores, labels, days, cards, 100),
      recallAt1PctFpr: recallAtFpr(c, 0.01),
      rows: scores.length,
      frauds,
    },
    curves: c,
  };
}
