/**
 * Champion/challenger: a new model goes to production only if, on the same test window, it is not
 * worse than the current production model by more than a configured margin. A pure function so
 * both outcomes are tested without a registry.
 */
import type { EvaluationMetrics } from "../registry/metadata";

export const GATE_METRICS = ["averagePrecision", "auc", "cardPrecisionAt100", "recallAt1PctFpr"] as const;
export type GateMetric = (typeof GATE_METRICS)[number];

export interface GateConfig {
  /** Default averagePrecision: the ranking metric that reflects a rare positive class. */
  readonly metric: GateMetric;
  /** Absolute tolerance on the metric. Default 0.005. */
  readonly margin: number;
}

export const DEFAULT_GATE: GateConfig = { metric: "averagePrecision", margin: 0.005 };

export type Champion =
  | { readonly version: string; readonly metrics: EvaluationMetrics }
  /** A production model that cannot be scored on this window (e.g. another feature set). */
  | { readonly version: string; readonly incomparable: string };

export interface GateDecision {
  readonly promote: boolean;
  readonly reason: string;
}

export function parseGateMetric(value: string): GateMetric {
  if (!(GATE_METRICS as readonly string[]).includes(value))
    throw new Error(`--gate-metric must be one of ${GATE_METRICS.join(", ")}, got ${value}`);
  return value as GateMetric;
}

export function decidePromotion(challenger: EvaluationMetrics, champion: Champion | undefined, gate: GateConfig): GateDecision {
  const c = challenger[gate.metric];
  if (!Number.isFinite(c)) {
    return { promote: false, reason: `challenger ${gate.metric} cannot be measured on the test window (no fraud or no genuine rows)` };
  }
  if (!champion) return { promote: true, reason: `no production model yet; challenger ${gate.metric} ${c.toFixed(4)}` };
  if ("incomparable" in champion) {
    return {
      promote: false,
      reason: `production ${champion.version} cannot be compared on this window (${champion.incomparable}); promote by hand if intended`,
    };
  }
  const p = champion.metrics[gate.metric];
  const detail = `${gate.metric} ${c.toFixed(4)} vs production ${champion.version} ${Number.isFinite(p) ? p.toFixed(4) : "n/a"} (margin ${gate.margin})`;
  if (!Number.isFinite(p) || c >= p - gate.margin) return { promote: true, reason: `challenger not worse: ${detail}` };
  return { promote: false, reason: `challenger worse than production by more than the margin: ${detail}` };
}
