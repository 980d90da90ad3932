/**
 * The PromQL behind the alerts and the dashboard, in one place so a panel shows exactly what an
 * alert fires on. Metric names are the app's (docs/api.md).
 */
import { CHALLENGER_METRICS } from "../../app/src/config/deploy-contract";
import { NAMESPACES, WORKLOAD_NAMES } from "./names";

type ComparedMetric = keyof typeof CHALLENGER_METRICS.comparison;
const variants = CHALLENGER_METRICS.variantDecisions;

/** Probe and scrape endpoints are excluded: kubelet and Prometheus traffic is not user traffic. */
const userTraffic = `job="${WORKLOAD_NAMES.api}", namespace="${NAMESPACES.serving}", route!~"/healthz|/readyz|/metrics"`;
const serving = `namespace="${NAMESPACES.serving}"`;
const trainerJobs = `namespace="${NAMESPACES.training}", job_name=~"${WORKLOAD_NAMES.trainer}-.*"`;
const trainerCron = `namespace="${NAMESPACES.training}", cronjob="${WORKLOAD_NAMES.trainer}"`;

export const PROMQL = {
  requestRateByStatus: `sum by (status) (rate(http_requests_total{${userTraffic}}[5m]))`,
  errorRatio: `sum(rate(http_requests_total{${userTraffic}, status=~"5.."}[5m])) / sum(rate(http_requests_total{${userTraffic}}[5m]))`,
  latencyQuantile: (q: number) => `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${userTraffic}}[5m])))`,
  apiUp: `up{job="${WORKLOAD_NAMES.api}", ${serving}}`,
  decisionRate: `sum by (decision) (rate(fraud_decisions_total{${serving}}[5m]))`,
  scoreHeatmap: `sum by (le) (increase(fraud_score_bucket{${serving}}[5m]))`,
  modelVersions: `count by (version) (fraud_model_info{${serving}} == 1)`,
  modelLoaded: `min by (pod) (fraud_model_loaded{${serving}})`,
  modelLoadFailures: `sum(increase(fraud_model_load_failures_total{${serving}}[15m]))`,
  featureStoreErrorRate: `sum(rate(fraud_feature_store_errors_total{${serving}}[5m]))`,
  degradedRate: `sum(rate(fraud_degraded_total{${serving}}[5m]))`,
  decisionBuffer: `max by (pod) (fraud_decision_buffer_size{${serving}})`,
  featureBackfill: `max by (pod) (fraud_feature_backfill_size{${serving}})`,
  featureBackfillDropped: `sum(increase(fraud_feature_backfill_dropped_total{${serving}}[15m]))`,
  /** Decisions PostgreSQL refused, by where they went: `table` (decisions_dead_letter) or `log` (only the log line). */
  decisionsDeadLettered: (to: "table" | "log") => `sum(increase(fraud_decisions_dead_lettered_total{${serving}, to="${to}"}[15m]))`,
  /** Logged as "decision not written" at shutdown; only seen when a scrape lands between that and the exit. */
  decisionsUnwritten: `sum(increase(fraud_decisions_unwritten_total{${serving}}[1h]))`,
  /** A pod shutting down (deletion requested) that still holds decisions PostgreSQL has not taken: they are at risk. */
  terminatingWithBuffer: `max by (namespace, pod) (fraud_decision_buffer_size{${serving}}) > 0 and on (namespace, pod) kube_pod_deletion_timestamp{${serving}}`,
  availableReplicas: `kube_deployment_status_replicas_available{${serving}, deployment=~"${WORKLOAD_NAMES.api}|${WORKLOAD_NAMES.worker}"}`,
  trainerSecondsSinceSuccess: `time() - max(kube_cronjob_status_last_successful_time{${trainerCron}})`,
  /** Jobs that gave up: failed pods, none active, no success (a retry that later succeeds does not count). */
  trainerFailedJobs:
    `(kube_job_status_failed{${trainerJobs}} > 0)` +
    ` and on (namespace, job_name) (kube_job_status_active{${trainerJobs}} == 0)` +
    ` and on (namespace, job_name) (kube_job_status_succeeded{${trainerJobs}} == 0)`,
  trainerNeverSucceeded: `absent(kube_cronjob_status_last_successful_time{${trainerCron}})`,
  /** Drift (the app's drift monitor, one series per replica): averaged over replicas, on the last hour. */
  featurePsi: `avg by (feature) (fraud_feature_psi{${serving}, window="1h"})`,
  scorePsi: `avg(fraud_score_psi{${serving}, window="1h"})`,
  liveRate: (decision: "review" | "decline") => `avg(fraud_decision_rate{${serving}, decision="${decision}", window="1h"})`,
  expectedRate: (decision: "review" | "decline") => `avg(fraud_decision_rate_expected{${serving}, decision="${decision}"})`,
  rateBand: (decision: "review" | "decline", bound: "low" | "high") =>
    `avg(fraud_decision_rate_band{${serving}, decision="${decision}", window="1h", bound="${bound}"})`,
  trainerAgeSeconds: `time() - max(kube_cronjob_created{${trainerCron}})`,
  /**
   * Challengers (docs/model-ops.md). Every API and worker replica exports the same comparison of
   * the current pair: `max` keeps one copy.
   */
  challengerMetric: (metric: ComparedMetric, roles: string) =>
    `max by (role, model_version, bound) (${CHALLENGER_METRICS.comparison[metric]}{${serving}, role=~"${roles}"})`,
  challengerBetter: `max by (champion, challenger) (${CHALLENGER_METRICS.better}{${serving}})`,
  challengerComparedDecisions: `max by (champion, challenger) (${CHALLENGER_METRICS.comparedDecisions}{${serving}})`,
  challengerComparisonAgeSeconds: `time() - max(${CHALLENGER_METRICS.comparisonTimestamp}{${serving}})`,
  challengerPairAgeSeconds: `time() - max(${CHALLENGER_METRICS.pairSinceTimestamp}{${serving}})`,
  challengerComparisonExists: `max(${CHALLENGER_METRICS.comparisonTimestamp}{${serving}})`,
  /** Decisions per second whose answer the client got, by model. */
  variantServedRate: `sum by (role, model_version) (rate(${variants}{${serving}, served="true"}[5m]))`,
  /** Each model's share of `decision` over all transactions it scored (both score every one). */
  variantRate: (decision: "review" | "decline") =>
    `sum by (role, model_version) (rate(${variants}{${serving}, decision="${decision}"}[5m])) / sum by (role, model_version) (rate(${variants}{${serving}}[5m]))`,
} as const;
