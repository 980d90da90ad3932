import { describe, expect, it } from "vitest";
import { analyzeResource, mandatory, policiesOf } from "../../test/analyzer";
import { cronJob, deployment, hpa } from "../../test/fixtures/kubernetes";
import { mutate } from "../../test/fixtures/mutate";
import { expectClean, expectOnly } from "../../test/expect";
import { UNKNOWN } from "../../lib/values";
import { unpinnedReason } from "./image-pinned";

const MAIN = "spec.template.spec.containers.0";
const INIT = "spec.template.spec.initContainers.0";

describe("kubernetes workload rules", () => {
  it("pass a hardened Deployment, CronJob and HPA", async () => {
    await expectClean(deployment());
    await expectClean(cronJob());
    await expectClean(hpa());
  });

  it.each([
    ["kubernetes-container-resources", `${MAIN}.resources.limits`, undefined],
    ["kubernetes-container-resources", `${INIT}.resources.requests.memory`, undefined],
    ["kubernetes-run-as-non-root", `${MAIN}.securityContext.runAsNonRoot`, false],
    ["kubernetes-read-only-root-filesystem", `${INIT}.securityContext.readOnlyRootFilesystem`, undefined],
    ["kubernetes-no-privilege-escalation", `${MAIN}.securityContext.allowPrivilegeEscalation`, true],
    ["kubernetes-not-privileged", `${INIT}.securityContext.privileged`, true],
    ["kubernetes-drop-all-capabilities", `${MAIN}.securityContext.capabilities.drop`, ["NET_RAW"]],
    ["kubernetes-image-pinned", `${MAIN}.image`, "ghcr.io/acme/fraud-api:latest"],
    ["kubernetes-image-pinned", `${INIT}.image`, "registry.local:5000/fraud-api"],
    ["kubernetes-probes", `${MAIN}.readinessProbe`, undefined],
    ["kubernetes-probes", `${MAIN}.livenessProbe`, undefined],
  ])("%s catches %s = %s", async (policy, path, value) => {
    await expectOnly(
      mutate(deployment(), path, value),
      policy,
      path.includes("initContainers") ? /init container "migrate"/ : /container "api"/,
    );
  });

  it("runAsNonRoot may come from the pod", async () => {
    await expectClean(mutate(deployment(), `${MAIN}.securityContext.runAsNonRoot`, undefined));
    const noPodLevel = mutate(
      mutate(deployment(), `${MAIN}.securityContext.runAsNonRoot`, undefined),
      "spec.template.spec.securityContext",
      undefined,
    );
    await expectOnly(noPodLevel, "kubernetes-run-as-non-root");
  });

  it("CronJob containers are hardened too, but need no probes", async () => {
    const jobMain = "spec.jobTemplate.spec.template.spec.containers.0";
    await expectOnly(mutate(cronJob(), `${jobMain}.securityContext.privileged`, true), "kubernetes-not-privileged");
    await expectOnly(mutate(cronJob(), `${jobMain}.image`, "fraud-trainer:latest"), "kubernetes-image-pinned");
  });

  it("an image built from outputs (unknown in preview) is not judged; a bare Pod is checked", async () => {
    await expectClean(mutate(deployment(), `${MAIN}.image`, UNKNOWN));
    const pod = {
      type: "kubernetes:core/v1:Pod",
      name: "debug",
      inputs: { metadata: { name: "debug" }, spec: { containers: [{ name: "sh", image: "busybox" }] } },
    };
    const ds = await analyzeResource(pod);
    expect(policiesOf(mandatory(ds))).toEqual([
      "kubernetes-container-resources",
      "kubernetes-drop-all-capabilities",
      "kubernetes-image-pinned",
      "kubernetes-no-privilege-escalation",
      "kubernetes-read-only-root-filesystem",
      "kubernetes-run-as-non-root",
    ]);
  });

  it("kubernetes-hpa-min-replicas: mandatory in prod, advisory in dev", async () => {
    const one = mutate(hpa(), "spec.minReplicas", 1);
    await expectOnly(one, "kubernetes-hpa-min-replicas");
    await expectOnly(mutate(hpa(), "spec.minReplicas", undefined), "kubernetes-hpa-min-replicas");
    const dev = await analyzeResource(one, "dev");
    expect(dev.map((d) => [d.policy, d.level])).toEqual([["kubernetes-hpa-min-replicas", "advisory"]]);
  });

  it("image references: digest or non-latest tag", () => {
    expect(unpinnedReason("nginx:1.27.2")).toBeUndefined();
    expect(unpinnedReason(`nginx@sha256:${"a".repeat(64)}`)).toBeUndefined();
    expect(unpinnedReason(`nginx:latest@sha256:${"b".repeat(64)}`)).toBeUndefined();
    expect(unpinnedReason("123456789012.dkr.ecr.eu-west-1.amazonaws.com/fraud-api:3f2c1d0")).toBeUndefined();
    expect(unpinnedReason("nginx")).toMatch(/no tag/);
    expect(unpinnedReason("localhost:5000/nginx")).toMatch(/no tag/);
    expect(unpinnedReason("nginx:latest")).toMatch(/latest/);
    expect(unpinnedReason("nginx@sha256:123")).toMatch(/digest/);
  });
});
