import { COMPARED_METRICS, COMPARISON_ROLES, type ComparedMetric, type Estimate, type LatestComparison } from "../registry/comparison";

/**
 * A latest comparison of `champion` against `challenger`: each metric's value is distinct per
 * role and metric (champion 0.1 + i/100, challenger 0.2 + i/100, difference their gap), its
 * interval that value ∓ 0.01; the challenger's AUC interval is unknown (NaN bounds).
 */
export function testComparison(champion: string, challenger: string, over: Partial<LatestComparison> = {}): LatestComparison {
  const base = { champion: 0.1, challenger: 0.2, difference: 0.1 };
  const metrics = Object.fromEntries(
    COMPARISON_ROLES.map((role) => [
      role,
      Object.fromEntries(
        COMPARED_METRICS.map((m, i): [ComparedMetric, Estimate] => {
          const value = base[role] + (role === "difference" ? 0 : i / 100);
          const unknown = role === "challenger" && m === "auc";
          return [m, { value, low: unknown ? Number.NaN : value - 0.01, high: unknown ? Number.NaN : value + 0.01 }];
        }),
      ),
    ]),
  ) as unknown as LatestComparison["metrics"];
  return {
    champion,
    challenger,
    at: "2026-12-01T04:30:00.000Z",
    since: "2026-11-03T04:30:00.000Z",
    until: "2026-11-24T04:30:00.000Z",
    report: `comparisons/${champion}-vs-${challenger}-20261201T043000Z/`,
    rows: 12_345,
    frauds: 67,
    cards: 890,
    better: true,
    metrics,
    ...over,
  };
}
