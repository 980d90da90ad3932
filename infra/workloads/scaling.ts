import type * as k8s from "@pulumi/kubernetes";
import type { AutoscalingOptions, ScalingPolicy } from "./options";

type HpaSpec = k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec;
type HpaRules = k8s.types.input.autoscaling.v2.HPAScalingRules;

/** One direction of scaling: the larger of a percentage and a pod count per period. */
export function scalingRules(p: ScalingPolicy): HpaRules {
  return {
    stabilizationWindowSeconds: p.stabilizationWindowSeconds,
    selectPolicy: "Max",
    policies: [
      { type: "Percent", value: p.percent, periodSeconds: p.periodSeconds },
      { type: "Pods", value: p.pods, periodSeconds: p.periodSeconds },
    ],
  };
}

/** autoscaling/v2 spec for a Deployment: CPU and memory utilisation targets, behaviour from the options. */
export function hpaSpec(deploymentName: string, s: AutoscalingOptions): HpaSpec {
  const utilisation = (name: "cpu" | "memory", averageUtilization: number) => ({
    type: "Resource",
    resource: { name, target: { type: "Utilization", averageUtilization } },
  });
  return {
    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName },
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    metrics: [utilisation("cpu", s.cpuTargetPercent), utilisation("memory", s.memoryTargetPercent)],
    behavior: { scaleUp: scalingRules(s.scaleUp), scaleDown: scalingRules(s.scaleDown) },
  };
}

/**
 * Disruption budget: with one replica (dev) a budget of `minAvailable: 1` would block every node
 * drain forever, so the budget allows one pod down at a time; with >= 2 replicas that keeps
 * serving capacity during drains and upgrades.
 */
export function pdbSpec(selector: Record<string, string>): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
  return {
    maxUnavailable: 1,
    selector: { matchLabels: selector },
    // A crash-looping pod must not block node drains (it is not serving anyway).
    unhealthyPodEvictionPolicy: "AlwaysAllow",
  };
}
