/**
 * One drift-retrain check (docs/drift.md), given its clients: read the alerts, the trainer CronJob,
 * its Jobs and the claim Lease, decide (decide.ts), and when it is time, claim the period on the
 * Lease and start the Job. The claim comes first and is an update conditional on the Lease's
 * resourceVersion, so two checks running at once (a manual run beside the scheduled one) start one
 * Job between them. The Lease, not the CronJob, holds the claim: it has no owner (a re-created
 * CronJob and its garbage-collected Jobs do not take it along), and updating it grants nothing
 * more than the claim, where a patch of the CronJob could rewrite what the trainer runs.
 */
import { KubeError, type KubeClient } from "./clients";
import {
  decideRetrain,
  jobFromCronJob,
  LAST_TRIGGER_ANNOTATION,
  lastTriggeredAt,
  unfinishedJobs,
  withLastTrigger,
  type FiringAlert,
  type LeaseObject,
  type RetrainPolicy,
} from "./decide";

export interface DriftRetrainSettings {
  readonly cronJobName: string;
  /** The coordination.k8s.io/v1 Lease holding the last drift-triggered start. */
  readonly leaseName: string;
  readonly policy: RetrainPolicy;
}

export interface DriftRetrainClients {
  /** The drift alerts firing now (Prometheus). */
  readonly alerts: () => Promise<FiringAlert[]>;
  readonly kube: KubeClient;
  readonly now: () => number;
  /** Where a failure that is not the one thrown is told (the give-back of a claim). */
  readonly warn: (message: string) => void;
}

export interface DriftRetrainResult {
  readonly retrain: boolean;
  readonly reason: string;
  /** The Job started. */
  readonly job?: string;
}

export async function driftRetrain(s: DriftRetrainSettings, c: DriftRetrainClients): Promise<DriftRetrainResult> {
  const [alerts, cronJob, lease] = await Promise.all([c.alerts(), c.kube.getCronJob(s.cronJobName), c.kube.getLease(s.leaseName)]);
  const name = cronJob.spec.jobTemplate.metadata?.labels?.["app.kubernetes.io/name"] ?? s.cronJobName;
  const jobs = await c.kube.listJobs(`app.kubernetes.io/name=${name}`);
  const now = c.now();
  const decision = decideRetrain(
    { now, alerts, lastTriggeredAt: lastTriggeredAt(lease, jobs), runningJobs: unfinishedJobs(jobs) },
    s.policy,
  );
  if (!decision.retrain) return { retrain: false, reason: decision.reason };

  const previous = lease.metadata.annotations?.[LAST_TRIGGER_ANNOTATION] ?? null;
  let claimed: LeaseObject;
  try {
    // the Lease as read names its resourceVersion: the update fails if it changed since
    claimed = await c.kube.updateLease(withLastTrigger(lease, new Date(now).toISOString()));
  } catch (err) {
    if (err instanceof KubeError && err.status === 409)
      return {
        retrain: false,
        reason: `the Lease ${s.leaseName} changed since it was read (another check): the next check decides again`,
      };
    throw err;
  }
  const job = jobFromCronJob(cronJob, now, decision.reason);
  try {
    return { retrain: true, reason: decision.reason, job: await c.kube.createJob(job) };
  } catch (err) {
    const jobName = (job.metadata as { name: string }).name;
    // a Job of that name exists: it is this period's run, started by someone else
    if (err instanceof KubeError && err.status === 409) return { retrain: false, reason: `Job ${jobName} already exists` };
    // no run started: give the period back, or the next attempt would wait the whole interval
    const giveBack = await c.kube.updateLease(withLastTrigger(claimed, previous)).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (giveBack !== undefined) {
      // the period stays claimed until the interval passes: say so, beside the failure that caused it
      const why = `could not give the period back (the next drift run waits the whole interval): ${message(giveBack)}`;
      c.warn(why);
      throw new Error(`${message(err)}; ${why}`, { cause: err });
    }
    throw err;
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));
