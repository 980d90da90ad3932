/**
 * Long-running containers tell Kubernetes when they are alive and when they can take traffic.
 * @severity medium · @topics availability, rollouts
 * Jobs and CronJobs run to completion and are left out.
 */
import { eachContainer, LONG_RUNNING_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";

export const k8sProbes: ResourceRule = {
  name: "kubernetes-probes",
  description: "Containers of Deployments, StatefulSets, DaemonSets and ReplicaSets have liveness and readiness probes.",
  remediation: "add livenessProbe (e.g. GET /healthz) and readinessProbe (e.g. GET /readyz) on the container's port.",
  severity: "medium",
  types: LONG_RUNNING_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label, init }) => {
      if (init) return undefined;
      const missing = (["livenessProbe", "readinessProbe"] as const).filter((k) => container[k] === undefined);
      return missing.length ? `${label} has no ${missing.join(" or ")}.` : undefined;
    }),
};
