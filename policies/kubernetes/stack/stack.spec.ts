import { describe, expect, it } from "vitest";
import { analyzeStack, type EngineResource } from "../../test/analyzer";
import { defaultDeny, deployment, hpa, namespace, pdb, servingStack } from "../../test/fixtures/kubernetes";
import { mutate } from "../../test/fixtures/mutate";
import { UNKNOWN } from "../../lib/values";

const verdicts = async (set: EngineResource[], stack = "prod") =>
  (await analyzeStack(set, stack)).map((d) => [d.policy, d.level, d.urn.split("::").pop()]);
const swap = (set: EngineResource[], name: string, r: EngineResource | undefined) =>
  set.flatMap((x) => (x.name === name ? (r ? [r] : []) : [x]));

describe("kubernetes stack rules", () => {
  it("pass a namespace with default deny and a Deployment with its HPA and PDB", async () => {
    expect(await analyzeStack(servingStack())).toEqual([]);
  });

  it("kubernetes-deployment-pdb: missing, wrong selector or other namespace", async () => {
    const want = [["kubernetes-deployment-pdb", "mandatory", "fraud-api"]];
    expect(await verdicts(swap(servingStack(), "fraud-api-pdb", undefined))).toEqual(want);
    expect(await verdicts(swap(servingStack(), "fraud-api-pdb", mutate(pdb(), "spec.selector.matchLabels.app", "other")))).toEqual(want);
    expect(await verdicts(swap(servingStack(), "fraud-api-pdb", mutate(pdb(), "metadata.namespace", "training")))).toEqual(want);
    const byExpression = mutate(pdb(), "spec.selector", { matchExpressions: [{ key: "tier", operator: "In", values: ["serving"] }] });
    expect(await verdicts(swap(servingStack(), "fraud-api-pdb", byExpression))).toEqual([]);
  });

  it("kubernetes-deployment-hpa: missing, targeting another Deployment, or not autoscaling/v2", async () => {
    const want = [["kubernetes-deployment-hpa", "mandatory", "fraud-api"]];
    expect(await verdicts(swap(servingStack(), "fraud-api-hpa", undefined))).toEqual(want);
    expect(await verdicts(swap(servingStack(), "fraud-api-hpa", mutate(hpa(), "spec.scaleTargetRef.name", "other")))).toEqual(want);
    const v1 = { ...hpa(), type: "kubernetes:autoscaling/v1:HorizontalPodAutoscaler" };
    const ds = await analyzeStack(swap(servingStack(), "fraud-api-hpa", v1));
    expect(ds.map((d) => d.policy)).toEqual(["kubernetes-deployment-hpa"]);
    expect(ds[0]!.message).toMatch(/an autoscaling\/v1 HorizontalPodAutoscaler, not autoscaling\/v2/);
  });

  it("kubernetes-namespace-default-deny: missing, partial, or selecting some pods only", async () => {
    const want = (dirs: string) => [["kubernetes-namespace-default-deny", "mandatory", "ns-serving"]].map((w) => [...w, dirs]);
    const run = async (np: EngineResource | undefined) =>
      (await analyzeStack(swap(servingStack(), "serving-default-deny", np))).map((d) => [
        d.policy,
        d.level,
        d.urn.split("::").pop(),
        /has no default-deny (.*?) NetworkPolicy/.exec(d.message)?.[1],
      ]);
    expect(await run(undefined)).toEqual(want("Ingress and Egress"));
    expect(await run(mutate(defaultDeny(), "spec.policyTypes", ["Ingress"]))).toEqual(want("Egress"));
    expect(await run(mutate(defaultDeny(), "spec.podSelector", { matchLabels: { app: "x" } }))).toEqual(want("Ingress and Egress"));
    expect(await run(mutate(defaultDeny(), "spec.ingress", [{ from: [{ podSelector: {} }] }]))).toEqual(want("Ingress"));
    // Two single-direction policies together are a default deny.
    const split = [
      mutate(defaultDeny(), "spec.policyTypes", ["Ingress"]),
      { ...mutate(defaultDeny(), "spec.policyTypes", ["Egress"]), name: "deny-egress" },
    ];
    expect(await analyzeStack([...swap(servingStack(), "serving-default-deny", undefined), ...split])).toEqual([]);
  });

  it("preview: unknown names and namespaces resolve through dependencies or are left for `pulumi up`", async () => {
    const ns = mutate(namespace(), "metadata.name", UNKNOWN);
    const unknownNs = (r: EngineResource) => ({
      ...mutate(r, "metadata.namespace", UNKNOWN),
      propertyDependencies: { metadata: ["ns-serving"] },
    });
    const dep = mutate(unknownNs(deployment()), "metadata.name", UNKNOWN);
    const h = {
      ...mutate(unknownNs(hpa()), "spec.scaleTargetRef.name", UNKNOWN),
      propertyDependencies: { metadata: ["ns-serving"], spec: ["fraud-api"] },
    };
    const preview = [ns, unknownNs(defaultDeny()), dep, h, unknownNs(pdb())];
    expect(await analyzeStack(preview)).toEqual([]);
    // ...but an HPA known to target something else in preview is still no HPA for this Deployment.
    const other = {
      ...h,
      propertyDependencies: { metadata: ["ns-serving"] },
      inputs: mutate(h, "spec.scaleTargetRef.name", "other").inputs,
    };
    expect(
      (await analyzeStack([ns, unknownNs(defaultDeny()), mutate(dep, "metadata.name", "fraud-api"), other, unknownNs(pdb())])).map(
        (d) => d.policy,
      ),
    ).toEqual(["kubernetes-deployment-hpa"]);
  });

  it("preview: a policy of the namespace whose spec is unknown (its provider waits on the kubeconfig) leaves the namespace to `pulumi up`", async () => {
    const unknownSpec = mutate(defaultDeny(), "spec", UNKNOWN);
    expect(await analyzeStack(swap(servingStack(), "serving-default-deny", unknownSpec))).toEqual([]);
  });
});
