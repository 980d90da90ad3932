/**
 * Every namespace starts closed: a NetworkPolicy denies all ingress and egress, and workloads
 * open only what they need.
 * @severity high · @topics network, lateral-movement
 */
import type { PolicyResource } from "@pulumi/policy";
import { metaOf, NAMESPACE, NETWORK_POLICY } from "../../lib/kubernetes";
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes } from "../../lib/references";
import { isUnknown, list, obj, peek } from "../../lib/values";

type Direction = "Ingress" | "Egress";

/** The directions a policy denies for every pod: empty podSelector, direction listed, no rules for it. */
export function deniedDirections(props: Record<string, unknown>): Direction[] {
  const spec = obj(peek(props, "spec"));
  const selector = obj(peek(spec, "podSelector"));
  const selectsAll = Object.keys(obj(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
  if (!selectsAll) return [];
  const types = list(peek(spec, "policyTypes"));
  return (["Ingress", "Egress"] as const).filter((d) => types.includes(d) && list(peek(spec, d.toLowerCase())).length === 0);
}

/** Is the policy in the namespace? undefined while that cannot be told (preview). */
function inNamespace(policy: PolicyResource, ns: PolicyResource): boolean | undefined {
  if (policy.propertyDependencies?.metadata?.some((r) => r.urn === ns.urn)) return true;
  const pn = peek(obj(peek(policy.props, "metadata")), "namespace");
  const name = metaOf(ns.props, "name");
  if (isUnknown(pn) || name === undefined) return undefined;
  return (pn ?? "default") === name;
}

export const k8sNamespaceDefaultDeny: StackRule = {
  name: "kubernetes-namespace-default-deny",
  description: "Every namespace the stack creates has a default-deny NetworkPolicy for ingress and egress.",
  remediation:
    'add a NetworkPolicy in the namespace with podSelector: {} and policyTypes: ["Ingress", "Egress"] and no rules, then allow each flow (load balancer, DNS, data stores) explicitly.',
  severity: "high",
  check: (resources) => {
    const policies = ofTypes(resources, [NETWORK_POLICY]);
    const problems: StackProblem[] = [];
    for (const ns of ofTypes(resources, [NAMESPACE])) {
      const mine = policies.map((p) => ({ p, in: inNamespace(p, ns) }));
      // left to `pulumi up` while a policy's namespace or, in it, its spec is unknown (a preview
      // whose Kubernetes provider waits on the cluster's kubeconfig)
      if (mine.some((m) => m.in === undefined || (m.in && isUnknown(peek(m.p.props, "spec"))))) continue;
      const denied = new Set(mine.filter((m) => m.in).flatMap((m) => deniedDirections(m.p.props)));
      const missing = (["Ingress", "Egress"] as const).filter((d) => !denied.has(d));
      if (missing.length)
        problems.push({ urn: ns.urn, message: `namespace ${ns.name} has no default-deny ${missing.join(" and ")} NetworkPolicy.` });
    }
    return problems;
  },
};
