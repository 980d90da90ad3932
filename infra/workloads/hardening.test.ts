import { describe, expect, it } from "vitest";
import { ALL_ENV_NAMES, ENV, type EnvName } from "../../app/src/config/deploy-contract";
import { workloadOptions } from "../testing/workload-options";
import {
  containerSecurityContext,
  envList,
  hardenedContainer,
  hardenedPodSpec,
  podSecurityContext,
  resourceRequirements,
  spreadAcrossZones,
} from "./pod";
import { hpaSpec, pdbSpec, scalingRules } from "./scaling";

const settings = workloadOptions({
  api: {
    minReplicas: 3,
    maxReplicas: 9,
    cpuTargetPercent: 60,
    memoryTargetPercent: 75,
    scaleUp: { stabilizationWindowSeconds: 0, percent: 200, pods: 5, periodSeconds: 15 },
    scaleDown: { stabilizationWindowSeconds: 600, percent: 20, pods: 1, periodSeconds: 120 },
    resources: { requests: { cpu: "300m", memory: "300Mi" }, limits: { cpu: "2", memory: "600Mi" } },
  },
});

describe("container hardening", () => {
  it("meets the restricted Pod Security level and more", () => {
    expect(containerSecurityContext()).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(podSecurityContext()).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("gives every container the hardening, a writable /tmp and sorted plain env", () => {
    const c = hardenedContainer({
      name: "x",
      image: "img:1",
      command: ["node", "x.js"],
      env: { [ENV.port]: "8080", [ENV.awsRegion]: "eu-west-1" },
      resources: settings.api.resources,
    });
    expect(c.securityContext).toEqual(containerSecurityContext());
    expect(c.volumeMounts).toEqual([{ name: "tmp", mountPath: "/tmp" }]);
    expect(c.env).toEqual([
      { name: "AWS_REGION", value: "eu-west-1" },
      { name: "PORT", value: "8080" },
    ]);
    const pod = hardenedPodSpec({ serviceAccountName: "sa", containers: [c] });
    expect(pod.volumes).toEqual([{ name: "tmp", emptyDir: { sizeLimit: "256Mi" } }]);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("refuses an environment variable the app does not read", () => {
    expect(() => envList({ ["DATABASE_PASSWORD" as EnvName]: "x" })).toThrow(/not an environment variable of the deploy contract/);
    expect(envList({ [ALL_ENV_NAMES[0]]: "v", [ENV.logLevel]: undefined })).toHaveLength(1);
  });

  it("takes requests and limits from settings", () => {
    expect(resourceRequirements(settings.api.resources)).toEqual({
      requests: { cpu: "300m", memory: "300Mi" },
      limits: { cpu: "2", memory: "600Mi" },
    });
  });

  it("spreads across zones as the setting says, and softly across nodes", () => {
    const [zone, host] = spreadAcrossZones({ app: "a" }, "DoNotSchedule");
    expect(zone).toMatchObject({
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: "DoNotSchedule",
      maxSkew: 1,
      labelSelector: { matchLabels: { app: "a" } },
    });
    expect(host).toMatchObject({ topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" });
  });
});

describe("autoscaling", () => {
  it("targets CPU and memory with the behaviour from settings", () => {
    const hpa = hpaSpec("fraud-api", settings.api);
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "fraud-api" });
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([3, 9]);
    expect(hpa.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 75 } } },
    ]);
    expect(hpa.behavior).toEqual({ scaleUp: scalingRules(settings.api.scaleUp), scaleDown: scalingRules(settings.api.scaleDown) });
    expect(scalingRules(settings.api.scaleDown)).toEqual({
      stabilizationWindowSeconds: 600,
      selectPolicy: "Max",
      policies: [
        { type: "Percent", value: 20, periodSeconds: 120 },
        { type: "Pods", value: 1, periodSeconds: 120 },
      ],
    });
  });

  it("lets one pod be disrupted at a time, never blocking drains on a crash-looping pod", () => {
    expect(pdbSpec({ app: "a" })).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { app: "a" } },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
  });
});
