import { PSI_SIGNIFICANT } from "../../app/src/config/deploy-contract";
import type { WorkloadOptions } from "./options";
import { PROMQL } from "./promql";

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: "critical" | "warning" };
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

/** The drift alerts: docs/drift.md. The retrain CronJob (drift-retrain.ts) acts on the first two. */
export const DRIFT_ALERTS = { feature: "FraudFeatureDrift", score: "FraudScoreDrift", declineRate: "FraudDeclineRateOutOfBand" } as const;
/** How long a drift condition must hold before its alert fires. */
export const DRIFT_FOR_MINUTES = 30;
export const DRIFT_FOR = `${DRIFT_FOR_MINUTES}m`;

/** Fires when the challenger's comparison is missing or stale: docs/model-ops.md. */
export const CHALLENGER_COMPARISON_STALE = "FraudChallengerComparisonStale";

/** The error-rate alert threshold the issue sets: more than 5% of user requests failing. */
export const ERROR_RATIO_THRESHOLD = 0.05;

const rule = (
  alert: string,
  expr: string,
  forDuration: string,
  severity: "critical" | "warning",
  summary: string,
  description: string,
): AlertRule => ({ alert, expr, for: forDuration, labels: { severity }, annotations: { summary, description } });

/** PrometheusRule groups for the API, the stream and the trainer; thresholds from the options. */
export function alertRuleGroups(s: WorkloadOptions): RuleGroup[] {
  const p99Seconds = s.monitoring.p99LatencyThresholdMs / 1000;
  const lateSeconds = s.trainer.lateAfterHours * 3600;
  const staleSeconds = s.trainer.compare.staleAfterHours * 3600;
  // a pair's first comparison can come no sooner: younger decisions are not compared
  const firstComparisonSeconds = s.features.labelDelayDays * 86_400 + staleSeconds;
  return [
    {
      name: "fraud-api",
      rules: [
        rule(
          "FraudApiHighErrorRate",
          `(${PROMQL.errorRatio}) > ${ERROR_RATIO_THRESHOLD}`,
          "5m",
          "critical",
          "Fraud API: more than 5% of requests fail",
          "{{ $value | humanizePercentage }} of scoring requests returned 5xx over the last 5 minutes.",
        ),
        rule(
          "FraudApiHighLatencyP99",
          `(${PROMQL.latencyQuantile(0.99)}) > ${p99Seconds}`,
          "10m",
          "warning",
          `Fraud API: p99 latency above ${s.monitoring.p99LatencyThresholdMs} ms`,
          "p99 scoring latency is {{ $value | humanizeDuration }}.",
        ),
        rule(
          "FraudApiDown",
          `absent(${PROMQL.apiUp} == 1)`,
          "5m",
          "critical",
          "Fraud API: no replica is being scraped",
          "Prometheus has no healthy fraud-api target: the API is down or unreachable.",
        ),
        rule(
          "FraudModelNotLoaded",
          `(${PROMQL.modelLoaded}) == 0`,
          "5m",
          "critical",
          "Fraud API: a replica has no model loaded",
          "{{ $labels.pod }} reports fraud_model_loaded 0: it cannot score. Check the model registry and fraud_model_load_failures_total.",
        ),
        rule(
          "FraudModelLoadFailing",
          `(${PROMQL.modelLoadFailures}) > 0`,
          "0m",
          "warning",
          "Fraud API: loading a new model failed",
          "{{ $value }} model load failures in the last 15 minutes; replicas keep serving the previous model.",
        ),
        rule(
          "FraudFeatureStoreDegraded",
          `((${PROMQL.featureStoreErrorRate}) > 0) or ((${PROMQL.degradedRate}) > 0)`,
          "10m",
          "warning",
          "Fraud scoring is degraded: the feature store (Redis) is failing",
          "Requests are scored without online features for 10 minutes: check ElastiCache and the API logs.",
        ),
        rule(
          "FraudDecisionBufferGrowing",
          `(${PROMQL.decisionBuffer}) > 0`,
          "10m",
          "warning",
          "Fraud API: decisions are buffered in memory",
          "{{ $labels.pod }} holds {{ $value }} unwritten decisions: PostgreSQL is unreachable or slow.",
        ),
        rule(
          "FraudFeatureBackfillDropped",
          `(${PROMQL.featureBackfillDropped}) > 0`,
          "0m",
          "warning",
          "Fraud API: transactions scored degraded were never recorded in the feature store",
          "{{ $value }} in the last 15 minutes (backfill full, or still unrecorded at shutdown): card and merchant features undercount them for up to 30 days.",
        ),
        rule(
          "FraudDecisionsDeadLettered",
          `(${PROMQL.decisionsDeadLettered("table")}) > 0`,
          "0m",
          "warning",
          "Fraud API: PostgreSQL refused decisions, set aside in decisions_dead_letter",
          "{{ $value }} decisions in the last 15 minutes were answered but refused by PostgreSQL (the rest of their batches were written): read `error` in decisions_dead_letter (docs/runbook.md).",
        ),
        rule(
          "FraudDecisionsDeadLetterRefused",
          `(${PROMQL.decisionsDeadLettered("log")}) > 0`,
          "0m",
          "critical",
          "Fraud API: decisions refused by both the decisions and the dead-letter table",
          '{{ $value }} decisions in the last 15 minutes exist only as "decision not written" log lines: replay them with replay-decisions once fixed (docs/runbook.md).',
        ),
        rule(
          "FraudDecisionsUnwritten",
          `((${PROMQL.decisionsUnwritten}) > 0) or (${PROMQL.terminatingWithBuffer})`,
          "0m",
          "critical",
          "Fraud API: decisions not written to PostgreSQL at shutdown",
          'A replica stopped, or is stopping, with decisions PostgreSQL has not taken: they are in its log ("decision not written"); replay them with replay-decisions (docs/runbook.md).',
        ),
      ],
    },
    {
      name: "fraud-drift",
      rules: [
        rule(
          DRIFT_ALERTS.feature,
          `(${PROMQL.featurePsi}) > ${PSI_SIGNIFICANT}`,
          DRIFT_FOR,
          "warning",
          "Live traffic has drifted from the model's training data on {{ $labels.feature }}",
          `The population stability index of {{ $labels.feature }} over the last hour is {{ $value | printf "%.2f" }} (> ${PSI_SIGNIFICANT}) against the served model's training window. A retraining Job starts if it lasts (docs/drift.md).`,
        ),
        rule(
          DRIFT_ALERTS.score,
          `(${PROMQL.scorePsi}) > ${PSI_SIGNIFICANT}`,
          DRIFT_FOR,
          "warning",
          "The fraud score distribution has drifted from the model's test window",
          `The score's population stability index over the last hour is {{ $value | printf "%.2f" }} (> ${PSI_SIGNIFICANT}). A retraining Job starts if it lasts (docs/drift.md).`,
        ),
        rule(
          DRIFT_ALERTS.declineRate,
          `((${PROMQL.liveRate("decline")}) > (${PROMQL.rateBand("decline", "high")})) or ((${PROMQL.liveRate("decline")}) < (${PROMQL.rateBand("decline", "low")}))`,
          DRIFT_FOR,
          "warning",
          "The decline rate is outside the band the model's test window predicts",
          "{{ $value | humanizePercentage }} of the last hour's decisions are declines; compare fraud_decision_rate_expected on the Drift row (docs/runbook.md).",
        ),
      ],
    },
    {
      name: "fraud-trainer",
      rules: [
        rule(
          "FraudTrainerFailed",
          PROMQL.trainerFailedJobs,
          "0m",
          "warning",
          "Fraud trainer run failed",
          "Job {{ $labels.job_name }} gave up after its retries: `kubectl -n fraud-training logs job/{{ $labels.job_name }}`.",
        ),
        rule(
          "FraudTrainerLate",
          `((${PROMQL.trainerSecondsSinceSuccess}) > ${lateSeconds}) or (${PROMQL.trainerNeverSucceeded} and on () (${PROMQL.trainerAgeSeconds}) > ${lateSeconds})`,
          "10m",
          "warning",
          `Fraud trainer: no successful run in ${s.trainer.lateAfterHours} hours`,
          "The served model is getting stale: check the trainer CronJob and its last Jobs.",
        ),
        // without the compare CronJob no comparison is expected
        ...(s.trainer.compare.enabled
          ? [
              rule(
                CHALLENGER_COMPARISON_STALE,
                `((${PROMQL.challengerComparisonAgeSeconds}) > ${staleSeconds}) or (((${PROMQL.challengerPairAgeSeconds}) > ${firstComparisonSeconds}) unless on () (${PROMQL.challengerComparisonExists}))`,
                "30m",
                "warning",
                `Fraud challenger: no comparison of the current pair in ${s.trainer.compare.staleAfterHours} hours`,
                "A challenger is set but its comparison with the champion is {{ $value | humanizeDuration }} old (or missing that long): check the fraud-challenger-compare Jobs and that the challenger loads (docs/runbook.md).",
              ),
            ]
          : []),
      ],
    },
  ];
}
