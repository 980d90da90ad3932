/**
 * The current champion/challenger pair's latest comparison as gauges (docs/model-ops.md). The
 * replicas read it from the registry on each manifest poll, so what Prometheus scrapes always
 * belongs to the pair being served: a cleared or replaced challenger's figures disappear with it.
 */
import { Gauge, type Registry } from "prom-client";
import { CHALLENGER_METRICS } from "../config/deploy-contract";
import { COMPARED_METRICS, COMPARISON_ROLES, type LatestComparison } from "../registry/comparison";

const BOUNDS = ["value", "low", "high"] as const;

export interface ChallengerPair {
  readonly champion: string;
  readonly challenger: string;
  /** When the manifest made this pair (ISO 8601), if its history says. */
  readonly since: string | undefined;
}

export class ChallengerComparisonGauges {
  private readonly perMetric: Gauge<"role" | "model_version" | "bound">[];
  private readonly pairGauges: Record<
    "better" | "comparedDecisions" | "comparisonTimestamp" | "pairSinceTimestamp",
    Gauge<"champion" | "challenger">
  >;

  constructor(registry: Registry) {
    this.perMetric = COMPARED_METRICS.map(
      (m) =>
        new Gauge({
          name: CHALLENGER_METRICS.comparison[m],
          help: `${m} of the champion and the challenger on labelled live decisions, and their difference, with its 95% bootstrap interval (trainer compare).`,
          labelNames: ["role", "model_version", "bound"] as const,
          registers: [registry],
        }),
    );
    const pairGauge = (name: string, help: string) =>
      new Gauge({ name, help, labelNames: ["champion", "challenger"] as const, registers: [registry] });
    this.pairGauges = {
      better: pairGauge(CHALLENGER_METRICS.better, "1 when the latest comparison found the challenger better by the gate's rule, else 0."),
      comparedDecisions: pairGauge(CHALLENGER_METRICS.comparedDecisions, "Labelled decisions the latest comparison measured."),
      comparisonTimestamp: pairGauge(CHALLENGER_METRICS.comparisonTimestamp, "When the latest comparison of the pair ran (Unix seconds)."),
      pairSinceTimestamp: pairGauge(
        CHALLENGER_METRICS.pairSinceTimestamp,
        "When the registry's manifest made this champion/challenger pair (Unix seconds).",
      ),
    };
  }

  /** Publishes the pair (none: no challenger) and its comparison (none: not compared yet). */
  set(pair: ChallengerPair | undefined, comparison: LatestComparison | undefined): void {
    for (const g of this.perMetric) g.reset();
    for (const g of Object.values(this.pairGauges)) g.reset();
    if (!pair) return;
    const labels = { champion: pair.champion, challenger: pair.challenger };
    const since = pair.since === undefined ? Number.NaN : Date.parse(pair.since);
    if (Number.isFinite(since)) this.pairGauges.pairSinceTimestamp.set(labels, since / 1000);
    if (!comparison || comparison.champion !== pair.champion || comparison.challenger !== pair.challenger) return;
    // a comparison from before the pair began measured an earlier spell of the same two versions (the
    // pair was cleared and set again): exported as current, its age would fire the staleness alert
    // at once instead of after the first comparison's grace period
    if (Date.parse(comparison.at) < since) return;
    this.pairGauges.better.set(labels, comparison.better ? 1 : 0);
    this.pairGauges.comparedDecisions.set(labels, comparison.rows);
    this.pairGauges.comparisonTimestamp.set(labels, Date.parse(comparison.at) / 1000);
    COMPARED_METRICS.forEach((m, i) => {
      for (const role of COMPARISON_ROLES) {
        const e = comparison.metrics[role][m];
        const version = role === "champion" ? pair.champion : pair.challenger;
        for (const bound of BOUNDS)
          if (Number.isFinite(e[bound])) this.perMetric[i]!.set({ role, model_version: version, bound }, e[bound]);
      }
    });
  }
}
