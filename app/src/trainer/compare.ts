/**
 * Champion against challenger on live traffic (`npm run compare`): the decisions a challenger
 * scored beside production, whose labels are known now. A decision younger than the label delay is
 * left out (its fraud report may still come); an older one without feedback counts as genuine, as
 * in training. Degraded decisions are left out (both models saw mostly missing features).
 *
 * Per model: AUC, average precision, card precision@100, recall at 1% FPR (the gate's metrics)
 * and the review and decline rates, each with a 95% bootstrap interval; and the challenger minus
 * the champion, with its own interval. Resampling is by card (all of a card's decisions together),
 * the unit of A/B assignment and of card precision. The verdict is the gate's rule (gate.ts).
 */
import { COMPARED_METRICS, type ComparedMetric, type ComparisonRole, type Estimate, type LatestComparison } from "../registry/comparison";
import type { EvaluationMetrics } from "../registry/metadata";
import { Prng } from "../sim/prng";
import type { ChallengerScores } from "../store/decision-record";
import { decidePromotion, type GateConfig, type GateDecision } from "./gate";
import { computeMetrics } from "./metrics";

/** A decision scored by both models, with its label (1: fraud reported). */
export interface ComparedDecision extends ChallengerScores {
  readonly occurredAt: number;
  readonly cardId: string;
  readonly label: 0 | 1;
}

export interface PairComparison {
  readonly champion: string;
  readonly challenger: string;
  readonly modes: readonly string[];
  readonly rows: number;
  readonly frauds: number;
  readonly cards: number;
  readonly from: string;
  readonly to: string;
  readonly metrics: Record<ComparisonRole, Record<ComparedMetric, Estimate>>;
  readonly verdict: GateDecision & { readonly better: boolean };
}

type Values = Record<ComparedMetric, number>;

function measure(
  rows: readonly ComparedDecision[],
  idx: readonly number[],
  side: "champion" | "challenger",
  cardCode: Map<string, number>,
): Values {
  const n = idx.length;
  const scores = new Float64Array(n);
  const labels = new Uint8Array(n);
  const times = new Float64Array(n);
  const cards = new Float64Array(n);
  let review = 0;
  let decline = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[idx[i]!]!;
    scores[i] = side === "champion" ? r.championScore : r.challengerScore;
    labels[i] = r.label;
    times[i] = r.occurredAt;
    cards[i] = cardCode.get(r.cardId)!;
    const d = side === "champion" ? r.championDecision : r.challengerDecision;
    if (d === "review") review++;
    else if (d === "decline") decline++;
  }
  const m: EvaluationMetrics = computeMetrics(scores, labels, times, cards).metrics;
  return {
    auc: m.auc,
    averagePrecision: m.averagePrecision,
    cardPrecisionAt100: m.cardPrecisionAt100,
    recallAt1PctFpr: m.recallAt1PctFpr,
    reviewRate: n ? review / n : Number.NaN,
    declineRate: n ? decline / n : Number.NaN,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

function estimates(point: Values, samples: readonly Values[]): Record<ComparedMetric, Estimate> {
  const out = {} as Record<ComparedMetric, Estimate>;
  for (const k of COMPARED_METRICS) {
    const xs = samples
      .map((s) => s[k])
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    out[k] = { value: point[k], low: percentile(xs, 0.025), high: percentile(xs, 0.975) };
  }
  return out;
}

const diff = (a: Values, b: Values): Values => Object.fromEntries(COMPARED_METRICS.map((k) => [k, a[k] - b[k]])) as unknown as Values;

export interface CompareOptions {
  readonly gate: GateConfig;
  /** Bootstrap resamples (default 200). */
  readonly resamples?: number;
  readonly seed?: number;
}

/** One comparison per (champion, challenger) pair found in `rows`, largest first. */
export function compareDecisions(rows: readonly ComparedDecision[], o: CompareOptions): PairComparison[] {
  const pairs = new Map<string, number[]>();
  rows.forEach((r, i) => {
    const key = `${r.championVersion}\u0000${r.challengerVersion}`;
    const list = pairs.get(key);
    if (list) list.push(i);
    else pairs.set(key, [i]);
  });
  return [...pairs.values()].sort((a, b) => b.length - a.length).map((idx) => comparePair(rows, idx, o));
}

function comparePair(rows: readonly ComparedDecision[], idx: readonly number[], o: CompareOptions): PairComparison {
  const first = rows[idx[0]!]!;
  const cardCode = new Map<string, number>();
  const byCard: number[][] = [];
  for (const i of idx) {
    const card = rows[i]!.cardId;
    let code = cardCode.get(card);
    if (code === undefined) {
      cardCode.set(card, (code = byCard.length));
      byCard.push([]);
    }
    byCard[code]!.push(i);
  }
  const champion = measure(rows, idx, "champion", cardCode);
  const challenger = measure(rows, idx, "challenger", cardCode);
  const rng = new Prng(o.seed ?? 1);
  const samples: { champion: Values; challenger: Values; difference: Values }[] = [];
  for (let b = 0; b < (o.resamples ?? 200); b++) {
    const sample: number[] = [];
    for (let c = 0; c < byCard.length; c++) for (const i of byCard[rng.nextUint32() % byCard.length]!) sample.push(i);
    const ch = measure(rows, sample, "champion", cardCode);
    const cl = measure(rows, sample, "challenger", cardCode);
    samples.push({ champion: ch, challenger: cl, difference: diff(cl, ch) });
  }
  const asMetrics = (v: Values): EvaluationMetrics => ({
    auc: v.auc,
    averagePrecision: v.averagePrecision,
    cardPrecisionAt100: v.cardPrecisionAt100,
    recallAt1PctFpr: v.recallAt1PctFpr,
    rows: idx.length,
    frauds: idx.reduce((n, i) => n + rows[i]!.label, 0),
  });
  const gate = decidePromotion(asMetrics(challenger), { version: first.championVersion, metrics: asMetrics(champion) }, o.gate);
  const times = idx.map((i) => rows[i]!.occurredAt);
  return {
    champion: first.championVersion,
    challenger: first.challengerVersion,
    modes: [...new Set(idx.map((i) => rows[i]!.mode))].sort(),
    rows: idx.length,
    frauds: idx.reduce((n, i) => n + rows[i]!.label, 0),
    cards: byCard.length,
    from: new Date(Math.min(...times)).toISOString(),
    to: new Date(Math.max(...times)).toISOString(),
    metrics: {
      champion: estimates(
        champion,
        samples.map((s) => s.champion),
      ),
      challenger: estimates(
        challenger,
        samples.map((s) => s.challenger),
      ),
      difference: estimates(
        diff(challenger, champion),
        samples.map((s) => s.difference),
      ),
    },
    // the gate lets a challenger through when it is not worse by more than the margin; "better" is
    // that rule, so a tie within the margin counts as good enough to promote
    verdict: { ...gate, better: gate.promote },
  };
}

/** What the registry keeps as the pair's latest comparison, which the serving replicas export (docs/model-ops.md). */
export function latestComparison(
  p: PairComparison,
  window: { at: string; since: string; until: string },
  report: string,
): LatestComparison {
  // named one by one: a caller's window may carry more (main.ts's report holds every pair), and the
  // file is read by every replica on every poll
  return {
    champion: p.champion,
    challenger: p.challenger,
    at: window.at,
    since: window.since,
    until: window.until,
    report,
    rows: p.rows,
    frauds: p.frauds,
    cards: p.cards,
    better: p.verdict.better,
    metrics: p.metrics,
  };
}

/** The comparison as a table for people. */
export function comparisonTable(pairs: readonly PairComparison[]): string {
  if (pairs.length === 0) return "no labelled decisions scored by a challenger in the window\n";
  const f = (e: Estimate) => `${e.value.toFixed(4)} [${e.low.toFixed(4)}, ${e.high.toFixed(4)}]`;
  const out: string[] = [];
  for (const p of pairs) {
    out.push(
      `champion ${p.champion} vs challenger ${p.challenger} (${p.modes.join(", ")}): ${p.rows} decisions, ${p.frauds} frauds, ${p.cards} cards, ${p.from.slice(0, 10)}..${p.to.slice(0, 10)}`,
    );
    out.push(`${"".padEnd(20)}${["champion", "challenger", "challenger - champion"].map((h) => h.padStart(28)).join("")}`);
    for (const k of COMPARED_METRICS) {
      out.push(
        `${k.padEnd(20)}${(["champion", "challenger", "difference"] as const).map((m) => f(p.metrics[m][k]).padStart(28)).join("")}`,
      );
    }
    out.push(`verdict: challenger ${p.verdict.better ? "BETTER" : "NOT better"} by the gate's rule (${p.verdict.reason})`, "");
  }
  return `${out.join("\n")}\n`;
}
