import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HTTP_PATHS } from "../../app/src/config/deploy-contract";
import type { WorkloadSettings } from "../../stacks/workloads";
import { alertRuleGroups } from "./alerts";
import { PORT_NAMES } from "./api";
import { DASHBOARD_LABEL, fraudDashboard } from "./dashboard";
import { NAMESPACES } from "./names";

export const PROMETHEUS_COMMUNITY_REPO = "https://prometheus-community.github.io/helm-charts";
export const PROMETHEUS_RELEASE = "kube-prometheus-stack";
/** Services carrying this label are scraped by our ServiceMonitor. */
export const METRICS_LABEL = { "fraud-platform/metrics": "true" } as const;

export interface MonitoringArgs {
  readonly settings: WorkloadSettings;
  /** The serving Namespace's name (output), so our objects wait for it. */
  readonly servingNamespace: pulumi.Input<string>;
}

/**
 * kube-prometheus-stack values: pick up ServiceMonitors and rules from every namespace (not only
 * those labelled for this release) and load dashboards from ConfigMaps anywhere.
 */
export function kubePrometheusStackValues(s: WorkloadSettings): Record<string, unknown> {
  return {
    prometheus: {
      prometheusSpec: {
        retention: s.monitoring.prometheusRetention,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        resources: { requests: { cpu: "200m", memory: "1Gi" }, limits: { memory: "2Gi" } },
      },
    },
    grafana: {
      sidecar: { dashboards: { enabled: true, label: Object.keys(DASHBOARD_LABEL)[0], labelValue: "1", searchNamespace: "ALL" } },
    },
  };
}

/**
 * Observability of the workloads: optionally kube-prometheus-stack itself, the ServiceMonitor and
 * alert rules when a Prometheus Operator is there, and always the Grafana dashboard ConfigMap.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** Created only when the program installs kube-prometheus-stack. */
  readonly namespace?: k8s.core.v1.Namespace;
  readonly release?: k8s.helm.v3.Release;
  readonly serviceMonitor?: k8s.apiextensions.CustomResource;
  readonly rules?: k8s.apiextensions.CustomResource;
  readonly dashboard: k8s.core.v1.ConfigMap;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:Monitoring", name, {}, opts);
    const s = args.settings;
    const mode = s.monitoring.prometheus;
    const labels = { "app.kubernetes.io/part-of": "fraud-platform", "app.kubernetes.io/managed-by": "pulumi" };

    if (mode === "install") {
      const ns = (this.namespace = new k8s.core.v1.Namespace(`${name}-namespace`, {
        metadata: {
          name: s.monitoring.namespace,
          labels: {
            ...labels,
            // node-exporter needs the host's network, PID namespace and /proc: it cannot run under
            // `restricted` or `baseline`. Warnings still flag anything beyond baseline.
            "pod-security.kubernetes.io/enforce": "privileged",
            "pod-security.kubernetes.io/warn": "baseline",
            "pod-security.kubernetes.io/audit": "baseline",
          },
        },
      }, { parent: this }));
      this.release = new k8s.helm.v3.Release(`${name}-prometheus`, {
        name: PROMETHEUS_RELEASE,
        namespace: ns.metadata.name,
        chart: "kube-prometheus-stack",
        version: s.monitoring.kubePrometheusStackVersion,
        repositoryOpts: { repo: PROMETHEUS_COMMUNITY_REPO },
        values: kubePrometheusStackValues(s),
        // The CRDs must be served before our ServiceMonitor and PrometheusRule are created.
        skipAwait: false,
        // A first install pulls a dozen images and waits for every component: often past Helm's 300 s.
        timeout: 900,
      }, { parent: this });
    }

    if (mode !== "none") {
      const crOpts = { parent: this, dependsOn: this.release ? [this.release] : [] };
      this.serviceMonitor = new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata: { name: "fraud-platform", namespace: args.servingNamespace, labels: { ...labels, release: PROMETHEUS_RELEASE } },
        spec: {
          selector: { matchLabels: METRICS_LABEL },
          namespaceSelector: { matchNames: [NAMESPACES.serving] },
          endpoints: [{ port: PORT_NAMES.metrics, path: HTTP_PATHS.metrics, interval: "30s", scrapeTimeout: "10s" }],
        },
      }, crOpts);
      this.rules = new k8s.apiextensions.CustomResource(`${name}-rules`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name: "fraud-platform-alerts", namespace: args.servingNamespace, labels: { ...labels, release: PROMETHEUS_RELEASE } },
        spec: { groups: alertRuleGroups(s) },
      }, crOpts);
    }

    this.dashboard = new k8s.core.v1.ConfigMap(`${name}-dashboard`, {
      metadata: { name: "fraud-platform-dashboard", namespace: args.servingNamespace, labels: { ...labels, ...DASHBOARD_LABEL } },
      data: { "fraud-platform.json": JSON.stringify(fraudDashboard(s)) },
    }, { parent: this });

    this.registerOutputs({});
  }
}
