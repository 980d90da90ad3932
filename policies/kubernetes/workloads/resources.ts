/**
 * Every container declares CPU and memory requests and limits.
 * @severity medium · @topics reliability, noisy-neighbour · @frameworks CIS Kubernetes 5.x
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

const NEEDED = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

export const k8sResources: ResourceRule = {
  name: "kubernetes-container-resources",
  description: "Every container (init containers included) sets CPU and memory requests and limits.",
  remediation: "set resources.requests and resources.limits for cpu and memory (the workload's settings in stacks/ hold the sizes).",
  severity: "medium",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) => {
      const r = obj(container.resources);
      const missing = NEEDED.filter((path) => {
        const [group, key] = path.split(".") as [string, string];
        return obj(r[group])[key] === undefined;
      });
      return missing.length ? `${label} has no ${missing.join(", ")}.` : undefined;
    }),
};
