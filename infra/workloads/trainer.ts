import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { COMMANDS } from "../../app/src/config/deploy-contract";
import { modelRegistryUrl, trainerEnv, type WorkloadArgs } from "./env";
import { NAMESPACES, SERVICE_ACCOUNTS, WORKLOAD_NAMES, workloadLabels } from "./names";
import { hardenedContainer, hardenedPodSpec } from "./pod";
import { irsaServiceAccount } from "./service-account";

/** `image`: the trainer image. `roleArn`: reads the database secret, writes the model bucket. */
export type TrainerArgs = WorkloadArgs;

/** Trainer CLI arguments: publish to the S3 registry, read labelled transactions from PostgreSQL. */
export function trainerArgs(registry: pulumi.Input<string>): pulumi.Input<string>[] {
  return ["--registry", registry, "--source", "postgres"];
}

/** `trainer compare` arguments: the last `sinceDays` days of decisions, the report into the S3 registry. */
export function compareArgs(registry: pulumi.Input<string>, sinceDays: number): pulumi.Input<string>[] {
  return ["--since-days", String(sinceDays), "--registry", registry];
}

/** The command that starts a run now, outside the schedule (documented in docs/infra.md). */
export function runNowCommand(): string {
  const t = WORKLOAD_NAMES.trainer;
  return `kubectl -n ${NAMESPACES.training} create job --from=cronjob/${t} ${t}-manual-$(date +%s)`;
}

/**
 * The model trainer as a CronJob: one run at a time, killed past its deadline, retried a bounded
 * number of times, a short history of Jobs kept for their logs and for the "trainer failed" alert.
 */
export class Trainer extends pulumi.ComponentResource {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly cronJob: k8s.batch.v1.CronJob;
  /** Champion vs challenger (`trainer compare`), when `trainer.compare.enabled`. */
  readonly compareCronJob: k8s.batch.v1.CronJob | undefined;

  constructor(name: string, args: TrainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:Trainer", name, {}, opts);
    const t = args.options.trainer;
    const appName = WORKLOAD_NAMES.trainer;
    const labels = workloadLabels(appName, "trainer");

    this.serviceAccount = irsaServiceAccount(
      `${name}-sa`,
      { ...SERVICE_ACCOUNTS.trainer, namespace: args.namespace },
      args.roleArn,
      "trainer",
      { parent: this },
    );

    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: { name: appName, namespace: args.namespace, labels },
        spec: {
          schedule: t.schedule,
          timeZone: "Etc/UTC",
          // Two trainers writing the registry at once could publish an older model last.
          concurrencyPolicy: "Forbid",
          // A run missed by more than an hour (controller down) is skipped, not started at a surprising time.
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: t.successfulJobsHistoryLimit,
          failedJobsHistoryLimit: t.failedJobsHistoryLimit,
          jobTemplate: {
            metadata: { labels },
            spec: {
              activeDeadlineSeconds: t.activeDeadlineSeconds,
              backoffLimit: t.backoffLimit,
              template: {
                metadata: { labels },
                spec: hardenedPodSpec({
                  serviceAccountName: SERVICE_ACCOUNTS.trainer.name,
                  // Never: each attempt is its own pod, so a failed attempt keeps its logs.
                  restartPolicy: "Never",
                  containers: [
                    hardenedContainer({
                      name: "trainer",
                      image: args.image,
                      command: COMMANDS.trainer,
                      args: trainerArgs(modelRegistryUrl(args.endpoints.modelBucket)),
                      env: trainerEnv(args.endpoints, args.options),
                      resources: t.resources,
                    }),
                  ],
                }),
              },
            },
          },
        },
      },
      { parent: this, dependsOn: [this.serviceAccount] },
    );

    const c = t.compare;
    const compareName = WORKLOAD_NAMES.challengerCompare;
    const compareLabels = workloadLabels(compareName, "trainer");
    // Same identity as the trainer (reads the decision log, writes the registry); small and short.
    this.compareCronJob = c.enabled
      ? new k8s.batch.v1.CronJob(
          `${name}-compare-cronjob`,
          {
            metadata: { name: compareName, namespace: args.namespace, labels: compareLabels },
            spec: {
              schedule: c.schedule,
              timeZone: "Etc/UTC",
              concurrencyPolicy: "Forbid",
              startingDeadlineSeconds: 3600,
              successfulJobsHistoryLimit: t.successfulJobsHistoryLimit,
              failedJobsHistoryLimit: t.failedJobsHistoryLimit,
              jobTemplate: {
                metadata: { labels: compareLabels },
                spec: {
                  activeDeadlineSeconds: 3600,
                  backoffLimit: t.backoffLimit,
                  template: {
                    metadata: { labels: compareLabels },
                    spec: hardenedPodSpec({
                      serviceAccountName: SERVICE_ACCOUNTS.trainer.name,
                      restartPolicy: "Never",
                      containers: [
                        hardenedContainer({
                          name: "compare",
                          image: args.image,
                          command: COMMANDS["challenger-compare"],
                          args: compareArgs(modelRegistryUrl(args.endpoints.modelBucket), c.sinceDays),
                          env: trainerEnv(args.endpoints, args.options),
                          resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                        }),
                      ],
                    }),
                  },
                },
              },
            },
          },
          { parent: this, dependsOn: [this.serviceAccount] },
        )
      : undefined;

    this.registerOutputs({ cronJobName: this.cronJob.metadata.name, compareCronJobName: this.compareCronJob?.metadata.name });
  }
}
