/**
 * Every Deployment has a PodDisruptionBudget, so node drains and upgrades keep it serving.
 * @severity medium · @topics availability
 */
import { DEPLOYMENT, PDB, podLabelsOf, sameNamespace, selects } from "../../lib/kubernetes";
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes } from "../../lib/references";
import { isUnknown, obj, peek } from "../../lib/values";

export const k8sDisruptionBudget: StackRule = {
  name: "kubernetes-deployment-pdb",
  description: "Every Deployment is covered by a PodDisruptionBudget (policy/v1) in its namespace.",
  remediation:
    "add a policy/v1 PodDisruptionBudget whose selector matches the Deployment's pod labels, with maxUnavailable: 1 (or minAvailable below the minimum replicas).",
  severity: "medium",
  check: (resources) => {
    const pdbs = ofTypes(resources, [PDB]);
    const problems: StackProblem[] = [];
    for (const d of ofTypes(resources, [DEPLOYMENT])) {
      const labels = podLabelsOf(d.props);
      const covered = pdbs.some((b) => {
        if (!sameNamespace(b.props, d.props)) return false;
        const selector = peek(obj(peek(b.props, "spec")), "selector");
        return isUnknown(selector) || selects(selector, labels);
      });
      if (!covered) problems.push({ urn: d.urn, message: `Deployment ${d.name} has no PodDisruptionBudget selecting its pods.` });
    }
    return problems;
  },
};
