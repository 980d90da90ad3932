import { describe, expect, it } from "vitest";
import { WORKLOAD_DEFAULTS } from "../infra/workloads/options";
import { quantityValue } from "./pod-resources";
import { parseWorkloadSettings as workloadSettings } from "./workloads";
import { ConfigError } from "../app/src/config/config-error";

function problems(workloads: unknown): string {
  try {
    workloadSettings(workloads);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected a ConfigError");
}

describe("workload settings", () => {
  it("retrains on drift by default, at most once a day, and checks the timings and the Prometheus URL", () => {
    expect(workloadSettings({}).trainer.driftRetrain).toEqual({
      enabled: true,
      schedule: "*/10 * * * *",
      firingMinutes: 60,
      minIntervalHours: 24,
    });
    const s = workloadSettings({ trainer: { driftRetrain: { minIntervalHours: "72", firingMinutes: 120 } } });
    expect(s.trainer.driftRetrain).toMatchObject({ minIntervalHours: 72, firingMinutes: 120 });
    expect(problems({ trainer: { driftRetrain: { minIntervalHours: 0 } } })).toMatch(
      /workloads\.trainer\.driftRetrain\.minIntervalHours = 0: expected an integer from 1 to 2160/,
    );
    expect(problems({ trainer: { driftRetrain: { schedule: "often" } } })).toMatch(
      /driftRetrain\.schedule = "often": expected a 5-field cron/,
    );
    // with an existing Prometheus the program cannot guess its URL
    expect(problems({ monitoring: { prometheus: "existing" } })).toMatch(
      /driftRetrain\.prometheusUrl = \(not set\): expected the existing Prometheus' URL/,
    );
    const existing = workloadSettings({
      monitoring: { prometheus: "existing" },
      trainer: { driftRetrain: { prometheusUrl: "http://prom.obs.svc:9090" } },
    });
    expect(existing.trainer.driftRetrain.prometheusUrl).toBe("http://prom.obs.svc:9090");
    expect(
      workloadSettings({ monitoring: { prometheus: "existing" }, trainer: { driftRetrain: { enabled: false } } }).trainer.driftRetrain
        .enabled,
    ).toBe(false);
    expect(problems({ trainer: { driftRetrain: { prometheusUrl: "prom:9090" } } })).toMatch(
      /prometheusUrl = "prom:9090": expected an http\(s\) URL/,
    );
  });

  it("alerts on a stale challenger comparison after 48 hours by default, or the hours set", () => {
    expect(workloadSettings({}).trainer.compare.staleAfterHours).toBe(48);
    expect(workloadSettings({ trainer: { compare: { staleAfterHours: "72" } } }).trainer.compare.staleAfterHours).toBe(72);
    expect(problems({ trainer: { compare: { staleAfterHours: 0 } } })).toMatch(
      /workloads\.trainer\.compare\.staleAfterHours = 0: expected an integer from 1 to 2160/,
    );
  });

  it("fills every default from an image tag alone", () => {
    const s = workloadSettings({ imageTag: "3f2c1ab" });
    expect(s.imageTag).toBe("3f2c1ab");
    expect(s.api.minReplicas).toBe(WORKLOAD_DEFAULTS.api.minReplicas);
    expect(s.trainer.schedule).toBe("0 3 * * 0");
    expect(s.ingress.certificateArn).toBeUndefined();
    expect(s.monitoring.prometheus).toBe("install");
  });

  it("reads nested values, including numbers given as strings by `pulumi config set --path`", () => {
    const s = workloadSettings({ imageTag: "v1.2.3", api: { minReplicas: "3", maxReplicas: 12, scaleDown: { percent: 10 } } });
    expect(s.api.minReplicas).toBe(3);
    expect(s.api.maxReplicas).toBe(12);
    expect(s.api.scaleDown.percent).toBe(10);
    expect(s.api.scaleDown.stabilizationWindowSeconds).toBe(WORKLOAD_DEFAULTS.api.scaleDown.stabilizationWindowSeconds);
  });

  it("names the key, the value and what is allowed", () => {
    expect(problems({ imageTag: "latest" })).toMatch(/fraud-platform:workloads\.imageTag = "latest": expected .*not "latest"/);
    expect(workloadSettings({}).imageTag).toBeUndefined(); // the program derives one from the sources
    const ref = (repo: string, hex: string) =>
      `123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-platform-dev/${repo}@sha256:${hex.repeat(64)}`;
    expect(workloadSettings({ prebuiltImages: { api: ref("api", "a"), trainer: ref("trainer", "b") } }).prebuiltImages).toEqual({
      api: ref("api", "a"),
      trainer: ref("trainer", "b"),
    });
    expect(problems({ prebuiltImages: { api: ref("api", "a") } })).toMatch(
      /workloads\.prebuiltImages\.trainer = \(not set\): expected set as well/,
    );
    expect(problems({ prebuiltImages: { api: "fraud/api:latest", trainer: ref("trainer", "b") } })).toMatch(
      /prebuiltImages\.api = "fraud\/api:latest": expected an ECR image by digest/,
    );
    expect(problems({ imageTag: "a", api: { minReplicas: 0 } })).toMatch(
      /workloads\.api\.minReplicas = 0: expected an integer from 1 to 100/,
    );
    expect(problems({ imageTag: "a", trainer: { schedule: "weekly" } })).toMatch(
      /workloads\.trainer\.schedule = "weekly": expected a 5-field cron/,
    );
    expect(problems({ imageTag: "a", ingress: { allowedCidrs: ["10.0.0.1/8"] } })).toMatch(/allowedCidrs\[0\] = "10.0.0.1\/8"/);
    expect(problems({ imageTag: "a", features: { timezone: "Mars/Olympus" } })).toMatch(
      /features\.timezone = "Mars\/Olympus": expected an IANA time zone/,
    );
    expect(problems({ imageTag: "a", monitoring: { prometheus: "yes" } })).toMatch(
      /monitoring\.prometheus = "yes": expected one of "install", "existing", "none"/,
    );
    expect(problems({ imageTag: "a", monitoring: { clientNamespaces: ["Bad_NS"] } })).toMatch(
      /monitoring\.clientNamespaces\[0\] = "Bad_NS": expected a Kubernetes namespace name/,
    );
    expect(workloadSettings({ imageTag: "a" }).monitoring.clientNamespaces).toEqual([]);
  });

  it("checks fields against each other", () => {
    expect(problems({ imageTag: "a", api: { minReplicas: 5, maxReplicas: 2 } })).toMatch(
      /api\.maxReplicas = 2: expected at least minReplicas \(5\)/,
    );
    expect(problems({ imageTag: "a", worker: { resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } } })).toMatch(
      /worker\.resources\.requests\.memory = "2Gi": expected at most the limit \(1Gi\)/,
    );
    expect(problems({ imageTag: "a", ingress: { requireCertificateArn: true } })).toMatch(
      /ingress\.certificateArn = \(not set\): expected an ACM certificate ARN because requireCertificateArn is true/,
    );
  });

  it("reports every problem at once, typos included", () => {
    const msg = problems({ imageTag: "latest", api: { minReplica: 2 }, logLevel: "loud" });
    expect(msg).toMatch(/3 problems/);
    expect(msg).toMatch(/workloads\.api\.minReplica = 2: expected no such setting/);
  });

  it("compares Kubernetes quantities", () => {
    expect(quantityValue("250m")).toBe(250);
    expect(quantityValue("1")).toBe(1000);
    expect(quantityValue("1.5")).toBe(1500);
    expect(quantityValue("512Mi")).toBe(512 * 1024 ** 2);
    expect(quantityValue("2Gi")).toBeGreaterThan(quantityValue("1024Mi"));
  });
});
