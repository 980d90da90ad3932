import type { WorkloadOptions } from "./options";
import { CHALLENGER_COMPARISON_STALE, DRIFT_ALERTS, ERROR_RATIO_THRESHOLD } from "./alerts";
import { PSI_SIGNIFICANT } from "../../app/src/features/distribution";
import { PROMQL } from "./promql";

/** Grafana's sidecar loads ConfigMaps carrying this label (kube-prometheus-stack's default). */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;
export const DASHBOARD_UID = "fraud-platform-overview";

interface Target {
  readonly expr: string;
  readonly legendFormat: string;
  readonly format?: "heatmap" | "time_series";
}

interface PanelSpec {
  readonly title: string;
  /** A row is a full-width title starting a new section of the grid. */
  readonly type: "timeseries" | "stat" | "heatmap" | "row";
  readonly targets: readonly Target[];
  readonly unit?: string;
  /** Value at which the panel turns red. */
  readonly redAbove?: number;
  readonly description: string;
}

const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;

/** Rows of panels, laid out two (or three stats) per row by `layout`. */
function panelSpecs(s: WorkloadOptions): PanelSpec[] {
  const p99Seconds = s.monitoring.p99LatencyThresholdMs / 1000;
  return [
    {
      title: "Requests per second by status",
      type: "timeseries",
      unit: "reqps",
      description: "User traffic (probes and scrapes excluded).",
      targets: [{ expr: PROMQL.requestRateByStatus, legendFormat: "{{status}}" }],
    },
    {
      title: "Error ratio (5xx)",
      type: "timeseries",
      unit: "percentunit",
      redAbove: ERROR_RATIO_THRESHOLD,
      description: "Alert FraudApiHighErrorRate fires above 5% for 5 minutes.",
      targets: [{ expr: PROMQL.errorRatio, legendFormat: "5xx ratio" }],
    },
    {
      title: "Latency p50 / p95 / p99",
      type: "timeseries",
      unit: "s",
      redAbove: p99Seconds,
      description: `Alert FraudApiHighLatencyP99 fires when p99 stays above ${s.monitoring.p99LatencyThresholdMs} ms.`,
      targets: [0.5, 0.95, 0.99].map((q) => ({ expr: PROMQL.latencyQuantile(q), legendFormat: `p${Math.round(q * 100)}` })),
    },
    {
      title: "Decisions per second",
      type: "timeseries",
      unit: "ops",
      description: "approve / review / decline, from fraud_decisions_total.",
      targets: [{ expr: PROMQL.decisionRate, legendFormat: "{{decision}}" }],
    },
    {
      title: "Fraud score distribution",
      type: "heatmap",
      description: "fraud_score histogram buckets over time.",
      targets: [{ expr: PROMQL.scoreHeatmap, legendFormat: "{{le}}", format: "heatmap" }],
    },
    {
      title: "Feature store errors and degraded scoring",
      type: "timeseries",
      unit: "ops",
      redAbove: 0,
      description: "Any sustained value means scoring runs without online features (alert FraudFeatureStoreDegraded).",
      targets: [
        { expr: PROMQL.featureStoreErrorRate, legendFormat: "feature-store errors/s" },
        { expr: PROMQL.degradedRate, legendFormat: "degraded decisions/s" },
      ],
    },
    {
      title: "Model loaded (min over replicas)",
      type: "stat",
      description: "0 means a replica cannot score (alert FraudModelNotLoaded).",
      targets: [{ expr: `min(${PROMQL.modelLoaded})`, legendFormat: "loaded" }],
    },
    {
      title: "Model versions served",
      type: "stat",
      description: "Replicas per model version (fraud_model_info).",
      targets: [{ expr: PROMQL.modelVersions, legendFormat: "{{version}}" }],
    },
    {
      title: "Model load failures (15 min)",
      type: "stat",
      redAbove: 0,
      description: "fraud_model_load_failures_total increase.",
      targets: [{ expr: PROMQL.modelLoadFailures, legendFormat: "failures" }],
    },
    {
      title: "Held in memory",
      type: "timeseries",
      unit: "short",
      redAbove: 0,
      description:
        "Decisions waiting for PostgreSQL, and transactions scored degraded waiting for the feature store (alert FraudDecisionBufferGrowing).",
      targets: [
        { expr: PROMQL.decisionBuffer, legendFormat: "decisions {{pod}}" },
        { expr: PROMQL.featureBackfill, legendFormat: "feature backfill {{pod}}" },
      ],
    },
    {
      title: "Available replicas",
      type: "timeseries",
      unit: "short",
      description: "API and stream worker, as scaled by their HPAs.",
      targets: [{ expr: PROMQL.availableReplicas, legendFormat: "{{deployment}}" }],
    },
    {
      title: "Time since last successful training",
      type: "stat",
      unit: "s",
      redAbove: s.trainer.lateAfterHours * 3600,
      description: "Alert FraudTrainerLate fires past the threshold.",
      targets: [{ expr: PROMQL.trainerSecondsSinceSuccess, legendFormat: "age" }],
    },
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
    ...challengerPanels(s),
  ];
}

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
function challengerPanels(s: WorkloadOptions): PanelSpec[] {
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

/** Grid positions: timeseries and heatmaps two per row, stats three per row. */
function layout(specs: PanelSpec[]): { x: number; y: number; w: number; h: number }[] {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  return specs.map((p) => {
    const w = p.type === "row" ? 24 : p.type === "stat" ? 8 : 12;
    const h = p.type === "row" ? 1 : p.type === "stat" ? 5 : 8;
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const pos = { x, y, w, h };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return pos;
  });
}

/** The fraud overview dashboard as Grafana JSON (schema of Grafana 10/11). */
export function fraudDashboard(s: WorkloadOptions): Record<string, unknown> {
  const specs = panelSpecs(s);
  const grid = layout(specs);
  return {
    uid: DASHBOARD_UID,
    title: "Fraud platform",
    tags: ["fraud-platform"],
    timezone: "utc",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Data source", current: {} }] },
    panels: specs.map((p, i) =>
      p.type === "row"
        ? {
            id: i + 1,
            type: "row",
            title: p.title,
            description: p.description,
            collapsed: false,
            gridPos: grid[i],
            panels: [],
            targets: [],
          }
        : {
            id: i + 1,
            title: p.title,
            description: p.description,
            type: p.type,
            datasource: DATASOURCE,
            gridPos: grid[i],
            targets: p.targets.map((t, j) => ({
              refId: String.fromCharCode(65 + j),
              datasource: DATASOURCE,
              expr: t.expr,
              legendFormat: t.legendFormat,
              format: t.format ?? "time_series",
            })),
            fieldConfig: {
              defaults: {
                unit: p.unit ?? "short",
                thresholds: {
                  mode: "absolute",
                  steps: [{ color: "green", value: null }, ...(p.redAbove === undefined ? [] : [{ color: "red", value: p.redAbove }])],
                },
              },
              overrides: [],
            },
            options: p.type === "heatmap" ? { calculate: false, yAxis: { unit: "short" } } : {},
          },
    ),
  };
}
