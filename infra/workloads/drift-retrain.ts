import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { COMMANDS, ENV } from "../../app/src/config/deploy-contract";
import { DRIFT_ALERTS, DRIFT_FOR_MINUTES } from "./alerts";
import { PROMETHEUS_RELEASE } from "./monitoring";
import { NAMESPACES, WORKLOAD_NAMES, workloadLabels } from "./names";
import type { WorkloadOptions } from "./options";
import { hardenedContainer, hardenedPodSpec } from "./pod";

export interface DriftRetrainArgs {
  /** The training namespace (the trainer CronJob's). */
  readonly namespace: pulumi.Input<string>;
  /** The trainer image: it holds /app/dist/drift-retrain.js. */
  readonly image: pulumi.Input<string>;
  /** `trainer.driftRetrain` and `monitoring` are read. */
  readonly options: WorkloadOptions;
  /** The trainer CronJob: created first, since the check reads it. */
  readonly trainerCronJob: pulumi.Resource;
}

/** Prometheus' port (kube-prometheus-stack's service and pods). */
export const PROMETHEUS_PORT = 9090;

/** Where the check asks Prometheus: the setting, or the installed kube-prometheus-stack's service. */
export function prometheusUrl(s: WorkloadOptions): string {
  return (
    s.trainer.driftRetrain.prometheusUrl ??
    `http://${PROMETHEUS_RELEASE}-prometheus.${s.monitoring.namespace}.svc.cluster.local:${PROMETHEUS_PORT}`
  );
}

/**
 * Least privilege: read and annotate the trainer CronJob only (resourceNames), list Jobs (to see a
 * run in progress) and create them. No update or delete, nothing outside the namespace.
 */
export function driftRetrainRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: [WORKLOAD_NAMES.trainer], verbs: ["get", "patch"] },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "create"] },
  ];
}

/** Whether the stack gets the CronJob: enabled, and a Prometheus with the drift alerts to ask. */
export function driftRetrainEnabled(s: WorkloadOptions): boolean {
  return s.trainer.driftRetrain.enabled && s.monitoring.prometheus !== "none";
}

/**
 * Retraining on drift: a CronJob running `drift-retrain` (app/src/drift-retrain.ts) every few
 * minutes, which starts a Job from the trainer CronJob when a drift alert has fired for
 * `firingMinutes`, at most once per `minIntervalHours` (docs/drift.md). The gate still decides
 * whether the model it trains is promoted.
 */
export class DriftRetrain extends pulumi.ComponentResource {
  readonly cronJob: k8s.batch.v1.CronJob;

  constructor(name: string, args: DriftRetrainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:DriftRetrain", name, {}, opts);
    const d = args.options.trainer.driftRetrain;
    const appName = WORKLOAD_NAMES.driftRetrain;
    const labels = workloadLabels(appName, "drift-retrain");
    const meta = { name: appName, namespace: args.namespace, labels };

    // no IRSA: it calls no AWS API, only Prometheus and the Kubernetes API
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta, automountServiceAccountToken: false }, { parent: this });
    const role = new k8s.rbac.v1.Role(`${name}-role`, { metadata: meta, rules: driftRetrainRules() }, { parent: this });
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-binding`,
      {
        metadata: meta,
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: appName },
        subjects: [{ kind: "ServiceAccount", name: appName, namespace: NAMESPACES.training }],
      },
      { parent: this, dependsOn: [sa, role] },
    );

    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: meta,
        spec: {
          schedule: d.schedule,
          timeZone: "Etc/UTC",
          concurrencyPolicy: "Forbid",
          startingDeadlineSeconds: 300,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels },
            spec: {
              activeDeadlineSeconds: 120,
              backoffLimit: 1,
              ttlSecondsAfterFinished: 86_400,
              template: {
                metadata: { labels },
                spec: {
                  ...hardenedPodSpec({
                    serviceAccountName: appName,
                    restartPolicy: "Never",
                    containers: [
                      hardenedContainer({
                        name: "drift-retrain",
                        image: args.image,
                        command: COMMANDS["drift-retrain"],
                        env: {
                          [ENV.prometheusUrl]: prometheusUrl(args.options),
                          [ENV.trainerCronJob]: WORKLOAD_NAMES.trainer,
                          [ENV.driftAlerts]: [DRIFT_ALERTS.feature, DRIFT_ALERTS.score].join(","),
                          [ENV.driftAlertForMinutes]: String(DRIFT_FOR_MINUTES),
                          [ENV.driftRetrainAfterMinutes]: String(d.firingMinutes),
                          [ENV.driftRetrainMinIntervalHours]: String(d.minIntervalHours),
                        },
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                      }),
                    ],
                  }),
                  // the one workload that calls the Kubernetes API (with the Role above)
                  automountServiceAccountToken: true,
                },
              },
            },
          },
        },
      },
      { parent: this, dependsOn: [binding, args.trainerCronJob] },
    );
    this.registerOutputs({ cronJobName: this.cronJob.metadata.name });
  }
}
