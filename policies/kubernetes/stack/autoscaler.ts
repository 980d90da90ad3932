/**
 * Every Deployment is scaled by an autoscaling/v2 HorizontalPodAutoscaler.
 * @severity medium · @topics availability, capacity
 */
import type { PolicyResource } from "@pulumi/policy";
import { DEPLOYMENT, HPA_TYPES, HPA_V2, metaOf, sameNamespace } from "../../lib/kubernetes";
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes } from "../../lib/references";
import { isUnknown, obj, peek } from "../../lib/values";

/** true / false, or undefined while the target's name is unknown and no dependency tells. */
function targets(hpa: PolicyResource, deployment: PolicyResource): boolean | undefined {
  if (!sameNamespace(hpa.props, deployment.props)) return false;
  const ref = obj(peek(obj(peek(hpa.props, "spec")), "scaleTargetRef"));
  if (ref.kind !== undefined && ref.kind !== "Deployment" && !isUnknown(ref.kind)) return false;
  if (hpa.propertyDependencies?.spec?.some((r) => r.urn === deployment.urn)) return true;
  const name = peek(ref, "name");
  const target = metaOf(deployment.props, "name");
  if (isUnknown(name) || target === undefined) return undefined;
  return name === target;
}

export const k8sAutoscaler: StackRule = {
  name: "kubernetes-deployment-hpa",
  description: "Every Deployment has an autoscaling/v2 HorizontalPodAutoscaler targeting it.",
  remediation:
    'add an autoscaling/v2 HorizontalPodAutoscaler with scaleTargetRef { apiVersion: "apps/v1", kind: "Deployment", name: <the Deployment\'s metadata.name> } and CPU/memory targets.',
  severity: "medium",
  check: (resources) => {
    const hpas = ofTypes(resources, HPA_TYPES);
    const problems: StackProblem[] = [];
    for (const d of ofTypes(resources, [DEPLOYMENT])) {
      const verdicts = hpas.map((h) => ({ h, t: targets(h, d) }));
      if (verdicts.some(({ h, t }) => t === true && h.type === HPA_V2)) continue;
      if (verdicts.some(({ t }) => t === undefined)) continue;
      const old = verdicts.find(({ t }) => t === true);
      problems.push({
        urn: d.urn,
        message: old
          ? `Deployment ${d.name} is scaled by an ${old.h.type.split(":")[1]} HorizontalPodAutoscaler, not autoscaling/v2 (no memory metrics or scaling behaviour).`
          : `Deployment ${d.name} has no HorizontalPodAutoscaler.`,
      });
    }
    return problems;
  },
};
