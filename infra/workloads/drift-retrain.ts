import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { COMMANDS, ENV } from "../../app/src/config/deploy-contract";
import { DRIFT_ALERTS, DRIFT_FOR_MINUTES } from "./alerts";
import { PROMETHEUS_RELEASE } from "./monitoring";
import { NAMESPACES, SERVICE_ACCOUNTS, serviceAccountSubject, WORKLOAD_NAMES, workloadLabels } from "./names";
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

/** The Lease the check claims a period on (app/src/retrain/run.ts): the Pulumi program's, owned by nothing. */
export const DRIFT_RETRAIN_LEASE = WORKLOAD_NAMES.driftRetrain;

/**
 * Least privilege: read the trainer CronJob (its job template), read and update the claim Lease
 * (resourceNames), list Jobs (to see a run in progress) and create them. No patch of the CronJob,
 * which could rewrite what the trainer runs; the Jobs it may create are held by the admission
 * policy below. Nothing outside the namespace.
 */
export function driftRetrainRules(): k8s.types.input.rbac.v1.PolicyRule[] {
  return [
    { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: [WORKLOAD_NAMES.trainer], verbs: ["get"] },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [DRIFT_RETRAIN_LEASE], verbs: ["get", "update"] },
  ];
}

/**
 * What a Job created by drift-retrain's service account must be, as CEL on the admission request:
 * the trainer's Job (its service account, image and command, owned by the trainer CronJob), so
 * `create` on jobs does not let that account run any pod with any identity in the namespace.
 */
export function driftJobValidations(trainerImage: string): k8s.types.input.admissionregistration.v1.Validation[] {
  const pod = "object.spec.template.spec";
  const image = JSON.stringify(trainerImage);
  const command = `[${COMMANDS.trainer.map((a) => JSON.stringify(a)).join(", ")}]`;
  return [
    {
      expression: `has(${pod}.serviceAccountName) && ${pod}.serviceAccountName == ${JSON.stringify(SERVICE_ACCOUNTS.trainer.name)}`,
      message: `a drift-retrain Job runs as ${SERVICE_ACCOUNTS.trainer.name}`,
    },
    {
      expression: `${pod}.containers.all(c, c.image == ${image} && has(c.command) && c.command == ${command}) && (!has(${pod}.initContainers) || size(${pod}.initContainers) == 0) && (!has(${pod}.ephemeralContainers) || size(${pod}.ephemeralContainers) == 0)`,
      message: "a drift-retrain Job runs the trainer's image and command only",
    },
    {
      expression: `has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, r.apiVersion == "batch/v1" && r.kind == "CronJob" && r.name == ${JSON.stringify(WORKLOAD_NAMES.trainer)} && has(r.controller) && r.controller)`,
      message: `a drift-retrain Job is owned by the ${WORKLOAD_NAMES.trainer} CronJob`,
    },
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

    // the claim: owned by nothing, so it outlives a re-created trainer CronJob and its Jobs
    const lease = new k8s.coordination.v1.Lease(
      `${name}-lease`,
      { metadata: { ...meta, name: DRIFT_RETRAIN_LEASE }, spec: {} },
      // its annotation is the check's, written with update
      { parent: this, ignoreChanges: ["metadata.annotations"] },
    );

    // `create` on jobs alone would admit any pod spec from this account
    const policyName = `${appName}-jobs`;
    const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
      `${name}-jobs-policy`,
      {
        metadata: { name: policyName, labels },
        spec: {
          failurePolicy: "Fail",
          matchConstraints: {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.training } },
            resourceRules: [{ apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"], operations: ["CREATE"] }],
          },
          matchConditions: [
            {
              name: "created-by-drift-retrain",
              expression: `request.userInfo.username == ${JSON.stringify(serviceAccountSubject({ namespace: NAMESPACES.training, name: appName }))}`,
            },
          ],
          validations: pulumi.output(args.image).apply(driftJobValidations),
        },
      },
      { parent: this },
    );
    const policyBinding = new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
      `${name}-jobs-policy-binding`,
      { metadata: { name: policyName, labels }, spec: { policyName, validationActions: ["Deny"] } },
      { parent: this, dependsOn: [policy] },
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
                          [ENV.driftRetrainLease]: DRIFT_RETRAIN_LEASE,
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
      { parent: this, dependsOn: [binding, lease, policyBinding, args.trainerCronJob] },
    );
    this.registerOutputs({ cronJobName: this.cronJob.metadata.name });
  }
}
