import { describe, expect, it } from "vitest";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { workloadOptions } from "../testing/workload-options";
import { CHALLENGER_METRICS } from "../../app/src/config/deploy-contract";
import { Metrics } from "../../app/src/serving/metrics";
import { alertRuleGroups } from "./alerts";
import { fraudDashboard } from "./dashboard";

const settings = workloadOptions({ monitoring: { p99LatencyThresholdMs: 300 }, trainer: { lateAfterHours: 200 } });
const rules = alertRuleGroups(settings).flatMap((g) => g.rules);
const byName = (alert: string) => {
  const r = rules.find((x) => x.alert === alert);
  if (!r) throw new Error(`no alert ${alert}`);
  return r;
};

/** The metric names the API publishes (agreed with the app-api owner). */
const APP_METRICS = [
  "http_requests_total",
  "http_request_duration_seconds_bucket",
  "fraud_decisions_total",
  "fraud_score_bucket",
  "fraud_model_info",
  "fraud_model_loaded",
  "fraud_feature_store_errors_total",
  "fraud_degraded_total",
  "fraud_model_load_failures_total",
  "fraud_decision_buffer_size",
  "fraud_feature_backfill_size",
];

describe("alert rules", () => {
  it("cover the issue's alerts with thresholds from settings", () => {
    expect(byName("FraudApiHighErrorRate").expr).toMatch(/status=~"5\.\."[^]*> 0\.05$/);
    expect(byName("FraudApiHighLatencyP99").expr).toMatch(/^\(histogram_quantile\(0\.99, [^]*\) > 0\.3$/);
    expect(byName("FraudModelNotLoaded").expr).toMatch(/fraud_model_loaded[^]*== 0$/);
    expect(byName("FraudFeatureStoreDegraded").expr).toMatch(/fraud_feature_store_errors_total[^]*fraud_degraded_total/);
    expect(byName("FraudFeatureBackfillDropped").expr).toMatch(
      /^\(sum\(increase\(fraud_feature_backfill_dropped_total\{namespace="fraud-serving"\}\[15m\]\)\)\) > 0$/,
    );
    expect(byName("FraudTrainerFailed").expr).toMatch(
      /kube_job_status_failed\{namespace="fraud-training", job_name=~"fraud-trainer-\.\*"\} > 0/,
    );
    expect(byName("FraudTrainerLate").expr).toMatch(/kube_cronjob_status_last_successful_time[^]*> 720000/);
    for (const r of rules) expect(["critical", "warning"]).toContain(r.labels.severity);
  });

  it("fire on decisions answered but not in the decisions table: dead-lettered, refused everywhere, unwritten at shutdown", () => {
    expect(byName("FraudDecisionsDeadLettered").expr).toBe(
      '(sum(increase(fraud_decisions_dead_lettered_total{namespace="fraud-serving", to="table"}[15m]))) > 0',
    );
    expect(byName("FraudDecisionsDeadLetterRefused")).toMatchObject({
      expr: expect.stringContaining('to="log"'),
      labels: { severity: "critical" },
    });
    const unwritten = byName("FraudDecisionsUnwritten");
    expect(unwritten.expr).toContain('increase(fraud_decisions_unwritten_total{namespace="fraud-serving"}[1h])');
    expect(unwritten.expr).toContain("and on (namespace, pod) kube_pod_deletion_timestamp");
    expect(unwritten.labels.severity).toBe("critical");
  });

  it("fire on drift: PSI above 0.2 for 30 minutes per feature and for the score, the decline rate outside its band", () => {
    expect(byName("FraudFeatureDrift")).toMatchObject({
      expr: '(avg by (feature) (fraud_feature_psi{namespace="fraud-serving", window="1h"})) > 0.2',
      for: "30m",
    });
    expect(byName("FraudScoreDrift")).toMatchObject({
      expr: '(avg(fraud_score_psi{namespace="fraud-serving", window="1h"})) > 0.2',
      for: "30m",
    });
    const decline = byName("FraudDeclineRateOutOfBand");
    expect(decline.for).toBe("30m");
    expect(decline.expr).toMatch(/fraud_decision_rate\{[^}]*decision="decline"[^]*\) > \(avg\(fraud_decision_rate_band\{[^}]*bound="high"/);
    expect(decline.expr).toMatch(/\) < \(avg\(fraud_decision_rate_band\{[^}]*bound="low"/);
  });

  it("fire when a challenger's comparison is stale, or missing past the label delay, and only with the compare CronJob", () => {
    // defaults: stale after 48 h; label delay 7 days
    expect(byName("FraudChallengerComparisonStale")).toMatchObject({
      expr:
        '((time() - max(fraud_challenger_comparison_timestamp_seconds{namespace="fraud-serving"})) > 172800)' +
        ' or (((time() - max(fraud_challenger_pair_since_timestamp_seconds{namespace="fraud-serving"})) > 777600)' +
        ' unless on () (max(fraud_challenger_comparison_timestamp_seconds{namespace="fraud-serving"})))',
      for: "30m",
      labels: { severity: "warning" },
    });
    const other = alertRuleGroups(workloadOptions({ trainer: { compare: { staleAfterHours: 24 } }, features: { labelDelayDays: 14 } }))
      .flatMap((g) => g.rules)
      .find((r) => r.alert === "FraudChallengerComparisonStale");
    expect(other?.expr).toMatch(/> 86400\) or .*> 1296000\) unless/);
    const off = alertRuleGroups(workloadOptions({ trainer: { compare: { enabled: false } } })).flatMap((g) => g.rules.map((r) => r.alert));
    expect(off).not.toContain("FraudChallengerComparisonStale");
  });

  it("use only fraud_* metrics the app registers", async () => {
    const registered = new Set((await new Metrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name));
    for (const r of rules) {
      for (const name of r.expr.match(/fraud_[a-z0-9_]+/g) ?? [])
        expect(registered.has(name.replace(/_bucket$/, "")), `${r.alert}: ${name}`).toBe(true);
    }
  });

  it("form a valid PrometheusRule", () => {
    expect(() => new PrometheusRule({ metadata: { name: "r" }, spec: { groups: alertRuleGroups(settings) } }).validate()).not.toThrow();
  });
});

describe("Grafana dashboard", () => {
  const dash = fraudDashboard(settings) as { uid: string; panels: any[] };
  const exprs = dash.panels.flatMap((p) => p.targets.map((t: any) => t.expr as string));

  it("charts every fraud metric the API publishes", () => {
    for (const m of APP_METRICS)
      expect(
        exprs.some((e) => e.includes(m)),
        m,
      ).toBe(true);
  });

  it("queries only fraud_* metrics the app registers", async () => {
    const registered = new Set((await new Metrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name));
    for (const e of exprs)
      for (const name of e.match(/fraud_[a-z0-9_]+/g) ?? [])
        expect(registered.has(name.replace(/_(bucket|sum|count)$/, "")), name).toBe(true);
  });

  it("has unique panel ids and non-overlapping positions on the 24-column grid", () => {
    expect(new Set(dash.panels.map((p) => p.id)).size).toBe(dash.panels.length);
    const cells = new Set<string>();
    for (const { gridPos: g } of dash.panels) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it("has a Drift row with the PSI and rate panels, PSI marked red above 0.2", () => {
    const row = dash.panels.findIndex((p) => p.type === "row" && p.title === "Drift");
    expect(row).toBeGreaterThan(0);
    const after = dash.panels.slice(row + 1).map((p) => p.title);
    expect(after).toEqual(expect.arrayContaining(["Feature PSI (last hour)", "Score PSI (last hour)"]));
    expect(dash.panels[row].gridPos).toMatchObject({ x: 0, w: 24 });
    const psi = dash.panels.find((p) => p.title === "Feature PSI (last hour)");
    expect(psi.fieldConfig.defaults.thresholds.steps.at(-1)).toEqual({ color: "red", value: 0.2 });
  });

  it("has a Challenger row: the comparison's verdict, age, figures with intervals and differences, and each model's live decisions", () => {
    const row = dash.panels.findIndex((p) => p.type === "row" && p.title === "Challenger");
    expect(row).toBeGreaterThan(0);
    const panels = dash.panels.slice(row + 1);
    expect(panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        "Challenger better by the gate's rule",
        "Age of the comparison",
        "AUC: champion and challenger (95% interval)",
        "Challenger minus champion (95% interval)",
        "Decisions served per second, by model",
        "Decline rate by model (live, 5 min)",
        "Review rate by model (live, 5 min)",
      ]),
    );
    const age = panels.find((p) => p.title === "Age of the comparison");
    expect(age.fieldConfig.defaults.thresholds.steps.at(-1)).toEqual({ color: "red", value: 48 * 3600 });
    const served = panels.find((p) => p.title === "Decisions served per second, by model");
    expect(served.targets[0].expr).toBe(
      'sum by (role, model_version) (rate(fraud_variant_decisions_total{namespace="fraud-serving", served="true"}[5m]))',
    );
    const decline = panels.find((p) => p.title === "Decline rate by model (live, 5 min)");
    expect(decline.targets[0].expr).toBe(
      'sum by (role, model_version) (rate(fraud_variant_decisions_total{namespace="fraud-serving", decision="decline"}[5m]))' +
        ' / sum by (role, model_version) (rate(fraud_variant_decisions_total{namespace="fraud-serving"}[5m]))',
    );
    const auc = panels.find((p) => p.title.startsWith("AUC"));
    expect(auc.targets[0].expr).toBe(
      'max by (role, model_version, bound) (fraud_challenger_auc{namespace="fraud-serving", role=~"champion|challenger"})',
    );
  });

  it("uses every challenger metric the app publishes, in a panel or an alert", () => {
    const alertExprs = rules.map((r) => r.expr);
    const names = [
      ...Object.values(CHALLENGER_METRICS.comparison),
      ...Object.values(CHALLENGER_METRICS).filter((v) => typeof v === "string"),
    ];
    expect(names).toHaveLength(11);
    for (const name of names)
      expect(
        [...exprs, ...alertExprs].some((e) => e.includes(`${name}{`)),
        name,
      ).toBe(true);
  });

  it("marks the alert thresholds on the matching panels", () => {
    const latency = dash.panels.find((p) => p.title.startsWith("Latency"));
    expect(latency.fieldConfig.defaults.thresholds.steps.at(-1)).toEqual({ color: "red", value: 0.3 });
  });
});
