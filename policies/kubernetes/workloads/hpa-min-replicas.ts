/**
 * Production autoscalers never go below two pods, so one pod's loss or eviction is not an outage.
 * @severity medium · @topics availability · production rule (advisory outside strictStacks)
 */
import { HPA_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const MIN_PROD_REPLICAS = 2;

export const k8sHpaMinReplicas: ResourceRule = {
  name: "kubernetes-hpa-min-replicas",
  description: `Production HorizontalPodAutoscalers keep at least ${MIN_PROD_REPLICAS} replicas.`,
  remediation: `set spec.minReplicas to ${MIN_PROD_REPLICAS} or more for this stack (with a PodDisruptionBudget allowing one pod down).`,
  severity: "medium",
  production: true,
  types: HPA_TYPES,
  check: (p) => {
    const min = obj(p.spec).minReplicas ?? 1; // Kubernetes defaults minReplicas to 1
    return typeof min === "number" && min >= MIN_PROD_REPLICAS ? [] : [`minReplicas is ${String(min)}.`];
  },
};
