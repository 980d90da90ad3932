import { parseCidr } from "../infra/network/cidr";
import {
  WORKLOAD_DEFAULTS,
  type ChallengerCompareOptions,
  type DriftRetrainOptions,
  type FeatureOptions,
  type IngressOptions,
  type MonitoringOptions,
  type TrainerOptions,
  type WorkloadOptions,
} from "../infra/workloads/options";
import { autoscaled, resources } from "./pod-resources";
import { SettingsReader, type SectionReader } from "./validate";

/**
 * Settings for the Kubernetes workloads (issue "Kubernetes workloads"), read from the stack's
 * `workloads` config object and validated up front. dev and prod differ only by these values:
 * every field has a documented default, so a stack file sets what makes it different.
 *
 *   pulumi config set --path workloads.imageTag 3f2c1ab        # CI, on every release
 *   pulumi config set --path workloads.ingress.certificateArn arn:aws:acm:...
 */

/** Images built and pushed elsewhere (CI), by digest: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>`. */
export interface PrebuiltImages {
  readonly api: string;
  readonly trainer: string;
}

/** The workloads' options (documented with their defaults in infra/workloads/options.ts) and how the program runs them. */
export interface WorkloadSettings extends WorkloadOptions {
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
}

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
const HTTP_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/\S*)?$/;

function cron(s: SectionReader, def: string): string {
  const schedule = s.string("schedule", { default: def, pattern: CRON, describe: 'a 5-field cron expression such as "0 3 * * 0"' });
  if (
    !schedule
      .trim()
      .split(/\s+/)
      .every((f) => CRON_FIELD.test(f))
  )
    s.problem("schedule", schedule, 'a 5-field cron expression such as "0 3 * * 0"');
  return schedule;
}

function driftRetrain(s: SectionReader, prometheus: MonitoringOptions["prometheus"]): DriftRetrainOptions {
  const d = WORKLOAD_DEFAULTS.trainer.driftRetrain;
  const enabled = s.bool("enabled", d.enabled);
  const prometheusUrl = s.string("prometheusUrl", {
    default: "",
    pattern: HTTP_URL,
    describe: "an http(s) URL such as http://prometheus.monitoring.svc:9090",
  });
  if (enabled && prometheus === "existing" && prometheusUrl === "")
    s.problem("prometheusUrl", undefined, "the existing Prometheus' URL (monitoring.prometheus is existing), or enabled: false");
  return {
    enabled,
    schedule: cron(s, d.schedule),
    firingMinutes: s.int("firingMinutes", { min: 1, max: 10_080, default: d.firingMinutes }),
    minIntervalHours: s.int("minIntervalHours", { min: 1, max: 2160, default: d.minIntervalHours }),
    ...(prometheusUrl ? { prometheusUrl } : {}),
  };
}

function challengerCompare(s: SectionReader): ChallengerCompareOptions {
  const d = WORKLOAD_DEFAULTS.trainer.compare;
  return {
    enabled: s.bool("enabled", d.enabled),
    schedule: cron(s, d.schedule),
    sinceDays: s.int("sinceDays", { min: 1, max: 365, default: d.sinceDays }),
    staleAfterHours: s.int("staleAfterHours", { min: 1, max: 2160, default: d.staleAfterHours }),
  };
}

function trainer(s: SectionReader, prometheus: MonitoringOptions["prometheus"]): TrainerOptions {
  const d = WORKLOAD_DEFAULTS.trainer;
  const schedule = cron(s, d.schedule);
  return {
    schedule,
    activeDeadlineSeconds: s.int("activeDeadlineSeconds", { min: 60, max: 86_400, default: d.activeDeadlineSeconds }),
    backoffLimit: s.int("backoffLimit", { min: 0, max: 10, default: d.backoffLimit }),
    successfulJobsHistoryLimit: s.int("successfulJobsHistoryLimit", { min: 0, max: 20, default: d.successfulJobsHistoryLimit }),
    // At least one failed Job is kept, so its logs and the "trainer failed" alert have something to show.
    failedJobsHistoryLimit: s.int("failedJobsHistoryLimit", { min: 1, max: 20, default: d.failedJobsHistoryLimit }),
    lateAfterHours: s.int("lateAfterHours", { min: 1, max: 2160, default: d.lateAfterHours }),
    resources: resources(s.section("resources"), d.resources),
    driftRetrain: driftRetrain(s.section("driftRetrain"), prometheus),
    compare: challengerCompare(s.section("compare")),
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

function features(s: SectionReader): FeatureOptions {
  const d = WORKLOAD_DEFAULTS.features;
  const timezone = s.string("timezone", { default: d.timezone });
  if (!isTimeZone(timezone)) s.problem("timezone", timezone, "an IANA time zone such as UTC or Europe/Paris");
  return { timezone, labelDelayDays: s.int("labelDelayDays", { min: 0, max: 365, default: d.labelDelayDays }) };
}

function ingress(s: SectionReader): IngressOptions {
  const d = WORKLOAD_DEFAULTS.ingress;
  const certificateArn = s.string("certificateArn", {
    default: "",
    pattern: ACM_ARN,
    describe: "an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)",
  });
  const requireCertificateArn = s.bool("requireCertificateArn", d.requireCertificateArn);
  if (requireCertificateArn && certificateArn === "") {
    s.problem(
      "certificateArn",
      undefined,
      "an ACM certificate ARN because requireCertificateArn is true (pulumi config set --path workloads.ingress.certificateArn arn:aws:acm:...)",
    );
  }
  const host = s.string("host", { default: "", pattern: HOSTNAME, describe: "a lower-case DNS name such as fraud.example.com" });
  return {
    certificateArn: certificateArn || undefined,
    requireCertificateArn,
    scheme: s.oneOf("scheme", ["internet-facing", "internal"] as const, d.scheme),
    allowedCidrs: s.stringList("allowedCidrs", {
      default: d.allowedCidrs,
      minItems: 1,
      item: (v) => {
        const c = parseCidr(v);
        return typeof c === "string" ? c : undefined;
      },
    }),
    host: host || undefined,
    deletionProtection: s.bool("deletionProtection", d.deletionProtection),
  };
}

function monitoring(s: SectionReader): MonitoringOptions {
  const d = WORKLOAD_DEFAULTS.monitoring;
  return {
    prometheus: s.oneOf("prometheus", ["install", "existing", "none"] as const, d.prometheus),
    namespace: s.string("namespace", { default: d.namespace, pattern: DNS_LABEL, describe: "a Kubernetes namespace name" }),
    clientNamespaces: s.stringList("clientNamespaces", {
      default: d.clientNamespaces,
      item: (v) => (DNS_LABEL.test(v) ? undefined : "a Kubernetes namespace name"),
    }),
    p99LatencyThresholdMs: s.int("p99LatencyThresholdMs", { min: 1, max: 60_000, default: d.p99LatencyThresholdMs }),
    prometheusRetention: s.string("prometheusRetention", {
      default: d.prometheusRetention,
      pattern: DURATION,
      describe: 'a Prometheus retention such as "15d"',
    }),
    kubePrometheusStackVersion: s.string("kubePrometheusStackVersion", {
      default: d.kubePrometheusStackVersion,
      pattern: SEMVER,
      describe: "a chart version such as 75.15.0",
    }),
  };
}

function prebuiltImages(s: SectionReader): PrebuiltImages | undefined {
  const ref = (key: string) =>
    s.string(key, {
      default: "",
      pattern: ECR_DIGEST_REF,
      describe: "an ECR image by digest (<account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex>)",
    });
  const api = ref("api");
  const trainer = ref("trainer");
  if ((api === "") !== (trainer === ""))
    s.problem(api === "" ? "api" : "trainer", undefined, "set as well: prebuilt images are given both or not at all");
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
  const monitoringOptions = monitoring(s.section("monitoring"));
  return {
    enabled: s.bool("enabled", true),
    imageTag:
      s.string("imageTag", {
        default: "",
        pattern: IMAGE_TAG,
        describe: 'an image tag (letters, digits, "_", ".", "-"; not "latest"), such as the commit SHA',
      }) || undefined,
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
    trainer: trainer(s.section("trainer"), monitoringOptions.prometheus),
    ingress: ingress(s.section("ingress")),
    monitoring: monitoringOptions,
    loadBalancerControllerVersion: s.string("loadBalancerControllerVersion", {
      default: d.loadBalancerControllerVersion,
      pattern: SEMVER,
      describe: "a chart version such as 1.14.0",
    }),
  };
}

/** Validates a plain `workloads` object (tests, tools); throws one ConfigError listing every problem. */
export function parseWorkloadSettings(workloads: unknown): WorkloadSettings {
  const reader = new SettingsReader("fraud-platform", (k) =>
    k === "workloads" && workloads !== undefined ? JSON.stringify(workloads) : undefined,
  );
  const settings = loadWorkloadSettings(reader);
  reader.finish();
  return settings;
}
