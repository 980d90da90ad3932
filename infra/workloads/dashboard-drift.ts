import { PSI_SIGNIFICANT } from "../../app/src/config/deploy-contract";
import type { PanelSpec } from "./dashboard-panel";
import { DRIFT_ALERTS } from "./alerts";
import { PROMQL } from "./promql";

/** The Drift row: live traffic against the served model's reference distributions (docs/drift.md). */
export function driftPanels(): PanelSpec[] {
  return [
    {
      title: "Drift",
      type: "row",
      description: "Live traffic against the served model's reference distributions (docs/drift.md).",
      targets: [],
    },
    {
      title: "Feature PSI (last hour)",
      type: "timeseries",
      redAbove: PSI_SIGNIFICANT,
      description: `Population stability index of each feature against the training window; alert ${DRIFT_ALERTS.feature} above ${PSI_SIGNIFICANT} for 30 minutes.`,
      targets: [{ expr: PROMQL.featurePsi, legendFormat: "{{feature}}" }],
    },
    {
      title: "Score PSI (last hour)",
      type: "timeseries",
      redAbove: PSI_SIGNIFICANT,
      description: `Population stability index of the score against the test window; alert ${DRIFT_ALERTS.score} above ${PSI_SIGNIFICANT} for 30 minutes.`,
      targets: [{ expr: PROMQL.scorePsi, legendFormat: "score" }],
    },
    {
      title: "Decline rate: live, expected and band (last hour)",
      type: "timeseries",
      unit: "percentunit",
      description: `Alert ${DRIFT_ALERTS.declineRate} when the live rate leaves the band for 30 minutes.`,
      targets: [
        { expr: PROMQL.liveRate("decline"), legendFormat: "live" },
        { expr: PROMQL.expectedRate("decline"), legendFormat: "expected" },
        { expr: PROMQL.rateBand("decline", "low"), legendFormat: "band low" },
        { expr: PROMQL.rateBand("decline", "high"), legendFormat: "band high" },
      ],
    },
    {
      title: "Review rate: live and expected (last hour)",
      type: "timeseries",
      unit: "percentunit",
      description: "Share of decisions sent to review, against the model's test window at its thresholds.",
      targets: [
        { expr: PROMQL.liveRate("review"), legendFormat: "live" },
        { expr: PROMQL.expectedRate("review"), legendFormat: "expected" },
      ],
    },
  ];
}
