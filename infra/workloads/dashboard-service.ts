import type { WorkloadOptions } from "./options";
import type { PanelSpec } from "./dashboard-panel";
import { ERROR_RATIO_THRESHOLD } from "./alerts";
import { PROMQL } from "./promql";

/** The top of the dashboard: the API's traffic, errors and latency, the model served, the trainer. */
export function servicePanels(s: WorkloadOptions): PanelSpec[] {
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
  ];
}
