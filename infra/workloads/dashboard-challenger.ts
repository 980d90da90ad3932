import type { WorkloadOptions } from "./options";
import type { PanelSpec } from "./dashboard-panel";
import { CHALLENGER_COMPARISON_STALE } from "./alerts";
import { PROMQL } from "./promql";

/** A gate metric of both models in the latest comparison, each with its 95% interval. */
function comparedPanel(title: string, metric: "auc" | "averagePrecision" | "cardPrecisionAt100"): PanelSpec {
  return {
    title: `${title}: champion and challenger (95% interval)`,
    type: "timeseries",
    unit: "percentunit",
    description: `${title} of each model on the labelled decisions of the latest comparison (trainer compare, daily); low and high bound the bootstrap interval.`,
    targets: [{ expr: PROMQL.challengerMetric(metric, "champion|challenger"), legendFormat: "{{role}} {{model_version}} {{bound}}" }],
  };
}

/** The Challenger row: the latest comparison of the current pair, and each model's live decisions (docs/model-ops.md). */
export function challengerPanels(s: WorkloadOptions): PanelSpec[] {
  const staleSeconds = s.trainer.compare.staleAfterHours * 3600;
  return [
    {
      title: "Challenger",
      type: "row",
      description:
        "Shadow and A/B challengers: the latest comparison with the champion, and both models' decisions on live traffic (docs/model-ops.md).",
      targets: [],
    },
    {
      title: "Challenger better by the gate's rule",
      type: "stat",
      description:
        "1: the latest comparison finds the challenger not worse than the champion by more than the gate's margin. Read the difference's interval before promoting.",
      targets: [{ expr: PROMQL.challengerBetter, legendFormat: "{{challenger}} vs {{champion}}" }],
    },
    {
      title: "Age of the comparison",
      type: "stat",
      unit: "s",
      redAbove: staleSeconds,
      description: `Time since the current pair's latest comparison ran; alert ${CHALLENGER_COMPARISON_STALE} past ${s.trainer.compare.staleAfterHours} hours.`,
      targets: [{ expr: PROMQL.challengerComparisonAgeSeconds, legendFormat: "age" }],
    },
    {
      title: "Decisions compared",
      type: "stat",
      description: "Labelled decisions (older than the label delay) the latest comparison measured.",
      targets: [{ expr: PROMQL.challengerComparedDecisions, legendFormat: "{{challenger}} vs {{champion}}" }],
    },
    comparedPanel("AUC", "auc"),
    comparedPanel("Average precision", "averagePrecision"),
    comparedPanel("Card precision@100", "cardPrecisionAt100"),
    {
      title: "Challenger minus champion (95% interval)",
      type: "timeseries",
      description:
        "Differences of the gate's metrics in the latest comparison: an interval clear of 0 is a difference the sample supports.",
      targets: [
        { expr: PROMQL.challengerMetric("auc", "difference"), legendFormat: "AUC {{bound}}" },
        { expr: PROMQL.challengerMetric("averagePrecision", "difference"), legendFormat: "average precision {{bound}}" },
        { expr: PROMQL.challengerMetric("cardPrecisionAt100", "difference"), legendFormat: "card precision@100 {{bound}}" },
        { expr: PROMQL.challengerMetric("recallAt1PctFpr", "difference"), legendFormat: "recall at 1% FPR {{bound}}" },
      ],
    },
    {
      title: "Decisions served per second, by model",
      type: "timeseries",
      unit: "ops",
      description:
        "Answers the clients got from each model: in shadow all from the champion, in A/B split by the challenger's share of cards.",
      targets: [{ expr: PROMQL.variantServedRate, legendFormat: "{{role}} {{model_version}}" }],
    },
    {
      title: "Review and decline rates in the comparison",
      type: "timeseries",
      unit: "percentunit",
      description: "Each model's review and decline rates on the labelled decisions of the latest comparison.",
      targets: [
        { expr: PROMQL.challengerMetric("reviewRate", "champion|challenger"), legendFormat: "review {{role}} {{model_version}} {{bound}}" },
        {
          expr: PROMQL.challengerMetric("declineRate", "champion|challenger"),
          legendFormat: "decline {{role}} {{model_version}} {{bound}}",
        },
      ],
    },
    {
      title: "Decline rate by model (live, 5 min)",
      type: "timeseries",
      unit: "percentunit",
      description: "Share of live transactions each model declines; both score every transaction while a challenger is set, served or not.",
      targets: [{ expr: PROMQL.variantRate("decline"), legendFormat: "{{role}} {{model_version}}" }],
    },
    {
      title: "Review rate by model (live, 5 min)",
      type: "timeseries",
      unit: "percentunit",
      description: "Share of live transactions each model sends to review; both score every transaction while a challenger is set.",
      targets: [{ expr: PROMQL.variantRate("review"), legendFormat: "{{role}} {{model_version}}" }],
    },
  ];
}
