/**
 * Retraining on drift: whether to start a trainer run now, and the Job that run is. Pure functions
 * of what Prometheus and the Kubernetes API answered (clients.ts fetches it; drift-retrain.ts wires
 * them), so every rule is tested without a cluster.
 */

/** A drift alert Prometheus reports as firing, with the time its condition started to hold. */
export interface FiringAlert {
  readonly alertname: string;
  /** Its labels besides alertname (the feature, for a feature drift). */
  readonly labels: Readonly<Record<string, string>>;
  /** Epoch ms at which the alert became pending (ALERTS_FOR_STATE); it fires `forMs` later. */
  readonly activeAt: number;
}

export interface RetrainPolicy {
  /** The alerts' own `for`: an alert active since t fires from t + forMs. */
  readonly alertForMs: number;
  /** How long an alert must have been firing before a run starts. */
  readonly firingForMs: number;
  /** At most one drift-triggered run per this period. */
  readonly minIntervalMs: number;
}

export interface RetrainInput {
  readonly now: number;
  readonly alerts: readonly FiringAlert[];
  /** When the last drift-triggered run was started (the CronJob's annotation), if ever. */
  readonly lastTriggeredAt: number | undefined;
  /** Names of trainer Jobs not finished yet (scheduled, manual or drift-triggered). */
  readonly runningJobs: readonly string[];
}

export interface RetrainDecision {
  readonly retrain: boolean;
  readonly reason: string;
  /** The alert that decided it, when one did. */
  readonly alert?: FiringAlert;
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;
const describe = (a: FiringAlert): string =>
  `${a.alertname}${Object.entries(a.labels)
    .map(([k, v]) => ` ${k}=${v}`)
    .join("")}`;

export function decideRetrain(input: RetrainInput, policy: RetrainPolicy): RetrainDecision {
  if (input.alerts.length === 0) return { retrain: false, reason: "no drift alert is firing" };
  // the alert firing longest decides
  const longest = input.alerts.reduce((a, b) => (b.activeAt < a.activeAt ? b : a));
  const firingFor = input.now - (longest.activeAt + policy.alertForMs);
  if (firingFor < policy.firingForMs) {
    return {
      retrain: false,
      reason: `${describe(longest)} has fired for ${minutes(Math.max(0, firingFor))}, less than ${minutes(policy.firingForMs)}`,
      alert: longest,
    };
  }
  if (input.lastTriggeredAt !== undefined && input.now - input.lastTriggeredAt < policy.minIntervalMs) {
    return {
      retrain: false,
      reason: `a drift-triggered run started ${minutes(input.now - input.lastTriggeredAt)} ago, less than the ${minutes(policy.minIntervalMs)} minimum interval`,
      alert: longest,
    };
  }
  if (input.runningJobs.length > 0) {
    // two trainers writing the registry at once could publish an older model last
    return { retrain: false, reason: `trainer Job ${input.runningJobs.join(", ")} is still running`, alert: longest };
  }
  return { retrain: true, reason: `${describe(longest)} has fired for ${minutes(firingFor)}`, alert: longest };
}

/** The parts of a batch/v1 CronJob this reads (the API's JSON). */
export interface CronJobObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid: string;
    /** The version a conditional write names: it fails if the CronJob changed since. */
    readonly resourceVersion?: string;
    readonly annotations?: Record<string, string>;
  };
  readonly spec: {
    readonly jobTemplate: {
      readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
      readonly spec: unknown;
    };
  };
}

/**
 * The parts of the coordination.k8s.io/v1 Lease the period is claimed on. It is written back whole
 * (an update, PUT): what this does not read is kept as read.
 */
export interface LeaseObject {
  readonly metadata: {
    readonly name: string;
    /** The version an update names: it fails (409) if the Lease changed since. */
    readonly resourceVersion?: string;
    readonly annotations?: Record<string, string>;
    readonly [other: string]: unknown;
  };
  readonly [other: string]: unknown;
}

/** The annotation on the Lease holding the last drift-triggered run's start (ISO 8601). */
export const LAST_TRIGGER_ANNOTATION = "fraud-platform.io/drift-retrain-at";
/** The label a drift-triggered Job carries (with the value "drift"). */
export const TRIGGER_LABEL = "fraud-platform.io/trigger";

/**
 * The last drift-triggered start: the Lease's annotation, or the newest drift-labelled Job still
 * listed when that is later (a Lease re-created empty must not allow a second run within the
 * interval while the last run's Job is still kept).
 */
export function lastTriggeredAt(lease: LeaseObject, jobs: readonly JobObject[] = []): number | undefined {
  const times = [
    lease.metadata.annotations?.[LAST_TRIGGER_ANNOTATION],
    ...jobs.filter((j) => j.metadata.labels?.[TRIGGER_LABEL] === "drift").map((j) => j.metadata.creationTimestamp),
  ]
    .map((v) => (v === undefined ? Number.NaN : Date.parse(v)))
    .filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : undefined;
}

/** The Lease with its last start set to `at` (null: removed), everything else as read. */
export function withLastTrigger(lease: LeaseObject, at: string | null): LeaseObject {
  const { [LAST_TRIGGER_ANNOTATION]: _previous, ...others } = lease.metadata.annotations ?? {};
  return { ...lease, metadata: { ...lease.metadata, annotations: at === null ? others : { ...others, [LAST_TRIGGER_ANNOTATION]: at } } };
}

/**
 * The Job `kubectl create job --from=cronjob/NAME` would create (the manual trigger of
 * docs/infra.md): the CronJob's job template, owned by the CronJob, named after it and the time,
 * labelled as drift-triggered, with the reason in an annotation.
 */
export function jobFromCronJob(cronJob: CronJobObject, now: number, reason: string): Record<string, unknown> {
  const template = cronJob.spec.jobTemplate;
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `${cronJob.metadata.name}-drift-${Math.floor(now / 1000)}`.slice(0, 63),
      ...(cronJob.metadata.namespace ? { namespace: cronJob.metadata.namespace } : {}),
      labels: { ...(template.metadata?.labels ?? {}), [TRIGGER_LABEL]: "drift" },
      annotations: {
        ...(template.metadata?.annotations ?? {}),
        "cronjob.kubernetes.io/instantiate": "manual",
        "fraud-platform.io/drift-reason": reason,
      },
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "CronJob", name: cronJob.metadata.name, uid: cronJob.metadata.uid, controller: true },
      ],
    },
    spec: template.spec,
  };
}

/** The parts of a Job this reads. */
export interface JobObject {
  readonly metadata: { readonly name: string; readonly creationTimestamp?: string; readonly labels?: Record<string, string> };
  readonly status?: { readonly conditions?: readonly { readonly type: string; readonly status: string }[] };
}

/** Jobs with neither a Complete nor a Failed condition: still running (or about to). */
export function unfinishedJobs(jobs: readonly JobObject[]): string[] {
  return jobs
    .filter((j) => !(j.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True"))
    .map((j) => j.metadata.name);
}

/** Prometheus' instant-query answer for ALERTS_FOR_STATE: one series per active alert, value = activeAt (s). */
export function firingAlerts(result: readonly { metric: Record<string, string>; value: [number, string] }[]): FiringAlert[] {
  return result.map(({ metric, value }) => {
    const { alertname = "", __name__: _name, ...labels } = metric;
    return { alertname, labels, activeAt: Number(value[1]) * 1000 };
  });
}
