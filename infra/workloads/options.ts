import type { TracingOptions } from "../observability/tracing";

/**
 * What the workloads on the cluster can be told: sizes, scaling, schedule, ingress, monitoring.
 * Each field's default is written beside it and lives in `WORKLOAD_DEFAULTS` below: the cheapest
 * safe values. A caller (the stacks/ side) resolves every field before building `Workloads`.
 */

/** Kubernetes quantities as the API server accepts them ("250m", "1", "512Mi"). */
export interface ResourceSpec {
  readonly cpu: string;
  readonly memory: string;
}

export interface ContainerResources {
  readonly requests: ResourceSpec;
  readonly limits: ResourceSpec;
}

/** One direction of HPA scaling behaviour (autoscaling/v2 `behavior.scaleUp` / `scaleDown`). */
export interface ScalingPolicy {
  /** Seconds of recommendations the HPA looks back over before acting. Default: 0 up, 300 down. */
  readonly stabilizationWindowSeconds: number;
  /** At most this percentage of the current replicas added/removed per period. Default: 100 up, 50 down. */
  readonly percent: number;
  /** At most this many pods added/removed per period (the HPA takes the larger change of the two). Default: 4 up, 1 down. */
  readonly pods: number;
  /** Default: 30 up, 60 down. */
  readonly periodSeconds: number;
}

/** A Deployment under an HPA (the API, the stream worker). */
export interface AutoscalingOptions {
  /** Floor of the HPA; prod keeps >= 2 so one pod can be lost or drained without an outage. Default: 1. */
  readonly minReplicas: number;
  /** Default: 4. */
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of requests) the HPA aims for. Default: 70. */
  readonly cpuTargetPercent: number;
  /** Average memory utilisation (percent of requests) the HPA aims for. Default: 80. */
  readonly memoryTargetPercent: number;
  readonly scaleUp: ScalingPolicy;
  readonly scaleDown: ScalingPolicy;
  /** Default: requests 250m / 256Mi, limits 1 / 512Mi. */
  readonly resources: ContainerResources;
}

export interface TrainerOptions {
  /** Cron schedule (5 fields, UTC). Default: `0 3 * * 0` (weekly, Sunday 03:00). */
  readonly schedule: string;
  /** A run that takes longer is killed and counted as failed. Default: 14400 (4 h). */
  readonly activeDeadlineSeconds: number;
  /** Default: 2. */
  readonly backoffLimit: number;
  /** Default: 3. */
  readonly successfulJobsHistoryLimit: number;
  /** Default: 3. */
  readonly failedJobsHistoryLimit: number;
  /** The "trainer late" alert fires when the last success is older than this. Default: 192 (8 days). */
  readonly lateAfterHours: number;
  /** Default: requests 1 / 2Gi, limits 2 / 4Gi. */
  readonly resources: ContainerResources;
  /** Retraining on drift (infra/workloads/drift-retrain.ts, docs/drift.md). */
  readonly driftRetrain: DriftRetrainOptions;
  /** Champion vs challenger on labelled live decisions (`trainer compare`, docs/model-ops.md). */
  readonly compare: ChallengerCompareOptions;
}

/**
 * A CronJob running `trainer compare` with the trainer's identity (it reads the decision log and
 * writes the report into the model registry). With no challenger in the log it finds nothing and
 * writes nothing.
 */
export interface ChallengerCompareOptions {
  /** Default: true. */
  readonly enabled: boolean;
  /** 5-field cron, UTC. Default: `30 4 * * *` (daily, after the night's labels). */
  readonly schedule: string;
  /** Compares the decisions of the last this many days (minus the label delay). Default: 28. */
  readonly sinceDays: number;
  /**
   * Alert FraudChallengerComparisonStale when, while a challenger is set, its pair's latest
   * comparison is older than this, or none exists this long after the label delay has passed
   * since the pair began. Default: 48 (two daily runs missed).
   */
  readonly staleAfterHours: number;
}

/**
 * A small CronJob that starts a trainer Job when a drift alert (FraudFeatureDrift, FraudScoreDrift)
 * has fired for `firingMinutes`, at most once per `minIntervalHours`. Not created when
 * `monitoring.prometheus` is `none` (no alerts to act on).
 */
export interface DriftRetrainOptions {
  /** Default: true. */
  readonly enabled: boolean;
  /** How often the check runs (5-field cron, UTC). Default: `*\/10 * * * *`. */
  readonly schedule: string;
  /** How long a drift alert must have been firing (after its own 30 minutes pending). Default: 60. */
  readonly firingMinutes: number;
  /** At most one drift-triggered run per this many hours. Default: 24. */
  readonly minIntervalHours: number;
  /**
   * Prometheus' base URL. Default: the installed kube-prometheus-stack's service in
   * `monitoring.namespace`; required with `monitoring.prometheus: existing`.
   */
  readonly prometheusUrl?: string;
}

/**
 * The API is served over HTTPS only, in every stack: there is no plain-HTTP listener, so an API key
 * is never sent in clear (a redirect would come after the client had already sent it).
 */
export interface IngressOptions {
  /**
   * ACM certificate of the API's DNS name (prod). Without one the program generates a self-signed
   * certificate (for `host` and the region's load balancer names) and imports it into ACM; clients
   * trust it with the stack output `apiCertificatePem` (dev). Default: none.
   */
  readonly certificateArn?: string;
  /** Refuse the self-signed fallback: `certificateArn` must be set (prod). Default: false. */
  readonly requireCertificateArn: boolean;
  /** Default: `internet-facing`. */
  readonly scheme: "internet-facing" | "internal";
  /** Client CIDRs the load balancer accepts. Default: `0.0.0.0/0`. */
  readonly allowedCidrs: readonly string[];
  /** DNS name users call (a CNAME to the load balancer, managed outside this program). Default: none. */
  readonly host?: string;
  /** Protect the load balancer from deletion (prod). Default: false. */
  readonly deletionProtection: boolean;
}

export interface MonitoringOptions {
  /**
   * `install`: the program installs kube-prometheus-stack and creates ServiceMonitors and alert rules.
   * `existing`: the Prometheus Operator is already on the cluster; only our ServiceMonitors and rules.
   * `none`: no Prometheus objects (pods keep serving /metrics; the dashboard ConfigMap is still shipped).
   * Default: `install`.
   */
  readonly prometheus: "install" | "existing" | "none";
  /** Namespace of Prometheus and Grafana (scrape source for network policies, dashboard home). Default: `monitoring`. */
  readonly namespace: string;
  /**
   * Namespaces whose pods may connect to the monitoring namespace (a Prometheus adapter, an
   * in-cluster Grafana client...). Default: none; operators use `kubectl port-forward`, which the
   * network policies do not see.
   */
  readonly clientNamespaces: readonly string[];
  /** The p99 latency alert fires above this many milliseconds. Default: 250. */
  readonly p99LatencyThresholdMs: number;
  /** Default: `7d`. */
  readonly prometheusRetention: string;
  /** Default: 75.15.0. */
  readonly kubePrometheusStackVersion: string;
}

/**
 * How features are computed. Serving (API, worker) and the trainer get the same values from this
 * one option, so a model is never scored on features computed differently from its training set.
 */
export interface FeatureOptions {
  /** IANA time zone of the hour-of-day and day features. Default: `UTC`. */
  readonly timezone: string;
  /** Days after which a transaction's fraud label is considered final. Default: 7. */
  readonly labelDelayDays: number;
}

export interface WorkloadOptions {
  /** Default: `info`. */
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** `DoNotSchedule` refuses to stack replicas in one zone (prod); `ScheduleAnyway` prefers not to. Default: `ScheduleAnyway`. */
  readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
  readonly features: FeatureOptions;
  readonly api: AutoscalingOptions & {
    /** Per API key; passed to the app as RATE_LIMIT_PER_MINUTE. Default: 6000. */
    readonly rateLimitPerMinute: number;
    /** How often the API and worker look for a newly promoted model. Default: 60. */
    readonly modelPollSeconds: number;
  };
  readonly worker: AutoscalingOptions;
  readonly trainer: TrainerOptions;
  readonly ingress: IngressOptions;
  readonly monitoring: MonitoringOptions;
  /** Helm chart version of the AWS Load Balancer Controller (eks-charts). Default: 1.14.0. */
  readonly loadBalancerControllerVersion: string;
  /**
   * Distributed tracing: an OpenTelemetry collector on the cluster, and the OTLP endpoint and
   * sampling in the API's, worker's and trainer's environment (infra/observability/tracing.ts).
   * Default: none (off; no collector, no OTEL_* variables).
   */
  readonly tracing?: TracingOptions;
}

const gentleScaleDown: ScalingPolicy = { stabilizationWindowSeconds: 300, percent: 50, pods: 1, periodSeconds: 60 };
const fastScaleUp: ScalingPolicy = { stabilizationWindowSeconds: 0, percent: 100, pods: 4, periodSeconds: 30 };
/** The API and the worker start from the same autoscaling and size. */
const defaultAutoscaling: AutoscalingOptions = {
  minReplicas: 1,
  maxReplicas: 4,
  cpuTargetPercent: 70,
  memoryTargetPercent: 80,
  scaleUp: fastScaleUp,
  scaleDown: gentleScaleDown,
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
};

/** The defaults documented above: the cheapest safe values; prod raises what it needs. */
export const WORKLOAD_DEFAULTS = {
  logLevel: "info",
  zoneSpread: "ScheduleAnyway",
  features: { timezone: "UTC", labelDelayDays: 7 },
  api: { ...defaultAutoscaling, rateLimitPerMinute: 6000, modelPollSeconds: 60 },
  worker: defaultAutoscaling,
  trainer: {
    schedule: "0 3 * * 0",
    activeDeadlineSeconds: 4 * 3600,
    backoffLimit: 2,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 3,
    lateAfterHours: 8 * 24,
    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    driftRetrain: { enabled: true, schedule: "*/10 * * * *", firingMinutes: 60, minIntervalHours: 24 },
    compare: { enabled: true, schedule: "30 4 * * *", sinceDays: 28, staleAfterHours: 48 },
  },
  ingress: { requireCertificateArn: false, scheme: "internet-facing", allowedCidrs: ["0.0.0.0/0"], deletionProtection: false },
  monitoring: {
    prometheus: "install",
    namespace: "monitoring",
    clientNamespaces: [],
    p99LatencyThresholdMs: 250,
    prometheusRetention: "7d",
    kubePrometheusStackVersion: "75.15.0",
  },
  loadBalancerControllerVersion: "1.14.0",
} as const satisfies WorkloadOptions;
