import { parseCidr } from "../infra/network/cidr";
import { SettingsReader, type SectionReader } from "./validate";

/**
 * Settings for the Kubernetes workloads (issue "Kubernetes workloads"), read from the stack's
 * `workloads` config object and validated up front. dev and prod differ only by these values:
 * every field has a documented default, so a stack file sets what makes it different.
 *
 *   pulumi config set --path workloads.imageTag 3f2c1ab        # CI, on every release
 *   pulumi config set --path workloads.ingress.certificateArn arn:aws:acm:...
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
  /** Seconds of recommendations the HPA looks back over before acting. */
  readonly stabilizationWindowSeconds: number;
  /** At most this percentage of the current replicas added/removed per period. */
  readonly percent: number;
  /** At most this many pods added/removed per period (the HPA takes the larger change of the two). */
  readonly pods: number;
  readonly periodSeconds: number;
}

export interface AutoscaledWorkloadSettings {
  /** Floor of the HPA; prod keeps >= 2 so one pod can be lost or drained without an outage. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU utilisation (percent of requests) the HPA aims for. */
  readonly cpuTargetPercent: number;
  /** Average memory utilisation (percent of requests) the HPA aims for. */
  readonly memoryTargetPercent: number;
  readonly scaleUp: ScalingPolicy;
  readonly scaleDown: ScalingPolicy;
  readonly resources: ContainerResources;
}

export interface TrainerSettings {
  /** Cron schedule (5 fields, UTC). Default: weekly, Sunday 03:00. */
  readonly schedule: string;
  /** A run that takes longer is killed and counted as failed. */
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  /** The "trainer late" alert fires when the last success is older than this. */
  readonly lateAfterHours: number;
  readonly resources: ContainerResources;
}

/**
 * The API is served over HTTPS only, in every stack: there is no plain-HTTP listener, so an API key
 * is never sent in clear (a redirect would come after the client had already sent it).
 */
export interface IngressSettings {
  /**
   * ACM certificate of the API's DNS name (prod). Without one the program generates a self-signed
   * certificate (for `host` and the region's load balancer names) and imports it into ACM; clients
   * trust it with the stack output `apiCertificatePem` (dev).
   */
  readonly certificateArn?: string;
  /** Refuse the self-signed fallback: `certificateArn` must be set (prod). */
  readonly requireCertificateArn: boolean;
  readonly scheme: "internet-facing" | "internal";
  /** Client CIDRs the load balancer accepts. */
  readonly allowedCidrs: readonly string[];
  /** DNS name users call (a CNAME to the load balancer, managed outside this program). */
  readonly host?: string;
  /** Protect the load balancer from deletion (prod). */
  readonly deletionProtection: boolean;
}

export interface MonitoringSettings {
  /**
   * `install`: the program installs kube-prometheus-stack and creates ServiceMonitors and alert rules.
   * `existing`: the Prometheus Operator is already on the cluster; only our ServiceMonitors and rules.
   * `none`: no Prometheus objects (pods keep serving /metrics; the dashboard ConfigMap is still shipped).
   */
  readonly prometheus: "install" | "existing" | "none";
  /** Namespace of Prometheus and Grafana (scrape source for network policies, dashboard home). */
  readonly namespace: string;
  /**
   * Namespaces whose pods may connect to the monitoring namespace (a Prometheus adapter, an
   * in-cluster Grafana client...). Default: none; operators use `kubectl port-forward`, which the
   * network policies do not see.
   */
  readonly clientNamespaces: readonly string[];
  /** The p99 latency alert fires above this many milliseconds. */
  readonly p99LatencyThresholdMs: number;
  readonly prometheusRetention: string;
  readonly kubePrometheusStackVersion: string;
}

/**
 * How features are computed. Serving (API, worker) and the trainer get the same values from this
 * one setting, so a model is never scored on features computed differently from its training set.
 */
export interface FeatureSettings {
  /** IANA time zone of the hour-of-day and day features. */
  readonly timezone: string;
  /** Days after which a transaction's fraud label is considered final. */
  readonly labelDelayDays: number;
}

/** Images built and pushed elsewhere (CI), by digest: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>`. */
export interface PrebuiltImages {
  readonly api: string;
  readonly trainer: string;
}

export interface WorkloadSettings {
  /**
   * `false` for the very first `up` of a stack, from an admin's machine: network, cluster, data
   * stores and the deployer only, nothing on the cluster and no image built (docs/deploy.md).
   */
  readonly enabled: boolean;
  /**
   * Tag the program pushes its images with (ECR tags are immutable; never `latest`). CI sets the
   * commit SHA. Default: derived from the sources the images are built from.
   */
  readonly imageTag?: string;
  /**
   * Run these images instead of building them: `pulumi up` then needs no Docker (PR previews, a
   * promotion of images CI already pushed). Both or neither.
   */
  readonly prebuiltImages?: PrebuiltImages;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  /** `DoNotSchedule` refuses to stack replicas in one zone (prod); `ScheduleAnyway` prefers not to. */
  readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
  readonly features: FeatureSettings;
  readonly api: AutoscaledWorkloadSettings & {
    /** Per API key; passed to the app as RATE_LIMIT_PER_MINUTE. */
    readonly rateLimitPerMinute: number;
    readonly modelPollSeconds: number;
  };
  readonly worker: AutoscaledWorkloadSettings;
  readonly trainer: TrainerSettings;
  readonly ingress: IngressSettings;
  readonly monitoring: MonitoringSettings;
  /** Helm chart version of the AWS Load Balancer Controller (eks-charts). */
  readonly loadBalancerControllerVersion: string;
}

const gentleScaleDown: ScalingPolicy = { stabilizationWindowSeconds: 300, percent: 50, pods: 1, periodSeconds: 60 };
const fastScaleUp: ScalingPolicy = { stabilizationWindowSeconds: 0, percent: 100, pods: 4, periodSeconds: 30 };
/** The API and the worker start from the same autoscaling and size. */
const defaultAutoscaling: AutoscaledWorkloadSettings = {
  minReplicas: 1,
  maxReplicas: 4,
  cpuTargetPercent: 70,
  memoryTargetPercent: 80,
  scaleUp: fastScaleUp,
  scaleDown: gentleScaleDown,
  resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
};

/** Defaults: the cheapest safe values; prod raises what it needs in Pulumi.prod.yaml. */
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
} as const satisfies Omit<WorkloadSettings, "enabled" | "imageTag" | "prebuiltImages">;

const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;
/** Docker tag grammar; `latest` is refused: ECR tags are immutable here and a moving tag defeats the deploy record. */
const IMAGE_TAG = /^(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** An ECR image by digest: what `pulumi stack output apiImage` prints. */
const ECR_DIGEST_REF = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$/;
const CRON = /^(\S+\s+){4}\S+$/;
const CRON_FIELD = /^([\d*,/-]+|[A-Za-z]{3}(-[A-Za-z]{3})?)$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const DURATION = /^\d+[hdwy]$/;

/** cpu in millicores, memory in bytes: to compare a request with its limit. */
export function quantityValue(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: ${q}`);
  const units: Record<string, number> = { m: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return m[2] === undefined ? Number(m[1]) * 1000 : Number(m[1]) * units[m[2]];
}

function resources(s: SectionReader, def: ContainerResources): ContainerResources {
  const read = (kind: "requests" | "limits"): ResourceSpec => {
    const r = s.section(kind);
    return {
      cpu: r.string("cpu", { default: def[kind].cpu, pattern: CPU, describe: 'a CPU quantity such as "250m" or "1"' }),
      memory: r.string("memory", { default: def[kind].memory, pattern: MEMORY, describe: 'a memory quantity such as "512Mi" or "2Gi"' }),
    };
  };
  const requests = read("requests");
  const limits = read("limits");
  for (const k of ["cpu", "memory"] as const) {
    const valid = [requests[k], limits[k]].every((q) => (k === "cpu" ? CPU : MEMORY).test(q));
    if (valid && quantityValue(requests[k]) > quantityValue(limits[k])) {
      s.problem(`requests.${k}`, requests[k], `at most the limit (${limits[k]})`);
    }
  }
  return { requests, limits };
}

function scaling(s: SectionReader, def: ScalingPolicy): ScalingPolicy {
  return {
    stabilizationWindowSeconds: s.int("stabilizationWindowSeconds", { min: 0, max: 3600, default: def.stabilizationWindowSeconds }),
    percent: s.int("percent", { min: 1, max: 1000, default: def.percent }),
    pods: s.int("pods", { min: 1, max: 100, default: def.pods }),
    periodSeconds: s.int("periodSeconds", { min: 1, max: 1800, default: def.periodSeconds }),
  };
}

function autoscaled(s: SectionReader, def: AutoscaledWorkloadSettings): AutoscaledWorkloadSettings {
  const minReplicas = s.int("minReplicas", { min: 1, max: 100, default: def.minReplicas });
  const maxReplicas = s.int("maxReplicas", { min: 1, max: 500, default: Math.max(def.maxReplicas, minReplicas) });
  if (maxReplicas < minReplicas) s.problem("maxReplicas", maxReplicas, `at least minReplicas (${minReplicas})`);
  return {
    minReplicas,
    maxReplicas,
    cpuTargetPercent: s.int("cpuTargetPercent", { min: 10, max: 100, default: def.cpuTargetPercent }),
    memoryTargetPercent: s.int("memoryTargetPercent", { min: 10, max: 100, default: def.memoryTargetPercent }),
    scaleUp: scaling(s.section("scaleUp"), def.scaleUp),
    scaleDown: scaling(s.section("scaleDown"), def.scaleDown),
    resources: resources(s.section("resources"), def.resources),
  };
}

function trainer(s: SectionReader): TrainerSettings {
  const d = WORKLOAD_DEFAULTS.trainer;
  const schedule = s.string("schedule", { default: d.schedule, pattern: CRON, describe: 'a 5-field cron expression such as "0 3 * * 0"' });
  if (!schedule.trim().split(/\s+/).every((f) => CRON_FIELD.test(f))) s.problem("schedule", schedule, 'a 5-field cron expression such as "0 3 * * 0"');
  return {
    schedule,
    activeDeadlineSeconds: s.int("activeDeadlineSeconds", { min: 60, max: 86_400, default: d.activeDeadlineSeconds }),
    backoffLimit: s.int("backoffLimit", { min: 0, max: 10, default: d.backoffLimit }),
    successfulJobsHistoryLimit: s.int("successfulJobsHistoryLimit", { min: 0, max: 20, default: d.successfulJobsHistoryLimit }),
    // At least one failed Job is kept, so its logs and the "trainer failed" alert have something to show.
    failedJobsHistoryLimit: s.int("failedJobsHistoryLimit", { min: 1, max: 20, default: d.failedJobsHistoryLimit }),
    lateAfterHours: s.int("lateAfterHours", { min: 1, max: 2160, default: d.lateAfterHours }),
    resources: resources(s.section("resources"), d.resources),
  };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function features(s: SectionReader): FeatureSettings {
  const d = WORKLOAD_DEFAULTS.features;
  const timezone = s.string("timezone", { default: d.timezone });
  if (!isTimeZone(timezone)) s.problem("timezone", timezone, "an IANA time zone such as UTC or Europe/Paris");
  return { timezone, labelDelayDays: s.int("labelDelayDays", { min: 0, max: 365, default: d.labelDelayDays }) };
}

function ingress(s: SectionReader): IngressSettings {
  const d = WORKLOAD_DEFAULTS.ingress;
  const certificateArn = s.string("certificateArn", { default: "", pattern: ACM_ARN, describe: "an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)" });
  const requireCertificateArn = s.bool("requireCertificateArn", d.requireCertificateArn);
  if (requireCertificateArn && certificateArn === "") {
    s.problem("certificateArn", undefined, "an ACM certificate ARN because requireCertificateArn is true (pulumi config set --path workloads.ingress.certificateArn arn:aws:acm:...)");
  }
  const host = s.string("host", { default: "", pattern: HOSTNAME, describe: "a lower-case DNS name such as fraud.example.com" });
  return {
    certificateArn: certificateArn || undefined,
    requireCertificateArn,
    scheme: s.oneOf("scheme", ["internet-facing", "internal"] as const, d.scheme),
    allowedCidrs: s.stringList("allowedCidrs", {
      default: d.allowedCidrs,
      minItems: 1,
      item: (v) => { const c = parseCidr(v); return typeof c === "string" ? c : undefined; },
    }),
    host: host || undefined,
    deletionProtection: s.bool("deletionProtection", d.deletionProtection),
  };
}

function monitoring(s: SectionReader): MonitoringSettings {
  const d = WORKLOAD_DEFAULTS.monitoring;
  return {
    prometheus: s.oneOf("prometheus", ["install", "existing", "none"] as const, d.prometheus),
    namespace: s.string("namespace", { default: d.namespace, pattern: DNS_LABEL, describe: "a Kubernetes namespace name" }),
    clientNamespaces: s.stringList("clientNamespaces", { default: d.clientNamespaces, item: (v) => (DNS_LABEL.test(v) ? undefined : "a Kubernetes namespace name") }),
    p99LatencyThresholdMs: s.int("p99LatencyThresholdMs", { min: 1, max: 60_000, default: d.p99LatencyThresholdMs }),
    prometheusRetention: s.string("prometheusRetention", { default: d.prometheusRetention, pattern: DURATION, describe: 'a Prometheus retention such as "15d"' }),
    kubePrometheusStackVersion: s.string("kubePrometheusStackVersion", { default: d.kubePrometheusStackVersion, pattern: SEMVER, describe: "a chart version such as 75.15.0" }),
  };
}

function prebuiltImages(s: SectionReader): PrebuiltImages | undefined {
  const ref = (key: string) => s.string(key, { default: "", pattern: ECR_DIGEST_REF, describe: "an ECR image by digest (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>)" });
  const api = ref("api");
  const trainer = ref("trainer");
  if ((api === "") !== (trainer === "")) s.problem(api === "" ? "api" : "trainer", undefined, "set as well: prebuilt images are given both or not at all");
  return api && trainer ? { api, trainer } : undefined;
}

/**
 * Reads and validates the stack's `workloads` config object (`fraud-platform:workloads`). Problems
 * are collected by the reader; `SettingsReader.finish()` reports them all at once, unknown keys included.
 */
export function loadWorkloadSettings(reader: SettingsReader): WorkloadSettings {
  const s = reader.section("workloads");
  const d = WORKLOAD_DEFAULTS;
  const api = s.section("api");
  return {
    enabled: s.bool("enabled", true),
    imageTag: s.string("imageTag", { default: "", pattern: IMAGE_TAG, describe: 'an image tag (letters, digits, "_", ".", "-"; not "latest"), such as the commit SHA' }) || undefined,
    prebuiltImages: prebuiltImages(s.section("prebuiltImages")),
    logLevel: s.oneOf("logLevel", ["debug", "info", "warn", "error"] as const, d.logLevel),
    zoneSpread: s.oneOf("zoneSpread", ["DoNotSchedule", "ScheduleAnyway"] as const, d.zoneSpread),
    features: features(s.section("features")),
    api: {
      ...autoscaled(api, d.api),
      rateLimitPerMinute: api.int("rateLimitPerMinute", { min: 1, max: 1_000_000, default: d.api.rateLimitPerMinute }),
      modelPollSeconds: api.int("modelPollSeconds", { min: 5, max: 86_400, default: d.api.modelPollSeconds }),
    },
    worker: autoscaled(s.section("worker"), d.worker),
    trainer: trainer(s.section("trainer")),
    ingress: ingress(s.section("ingress")),
    monitoring: monitoring(s.section("monitoring")),
    loadBalancerControllerVersion: s.string("loadBalancerControllerVersion", { default: d.loadBalancerControllerVersion, pattern: SEMVER, describe: "a chart version such as 1.14.0" }),
  };
}

/** Validates a plain `workloads` object (tests, tools); throws one ConfigError listing every problem. */
export function parseWorkloadSettings(workloads: unknown): WorkloadSettings {
  const reader = new SettingsReader("fraud-platform", (k) => (k === "workloads" && workloads !== undefined ? JSON.stringify(workloads) : undefined));
  const settings = loadWorkloadSettings(reader);
  reader.finish();
  return settings;
}
