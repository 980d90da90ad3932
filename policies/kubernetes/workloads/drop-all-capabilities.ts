/**
 * Containers drop every Linux capability.
 * @severity medium · @topics container-escape · Pod Security "restricted"
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { list, obj } from "../../lib/values";

export const k8sDropAllCapabilities: ResourceRule = {
  name: "kubernetes-drop-all-capabilities",
  description: "Every container drops ALL capabilities.",
  remediation: 'set securityContext.capabilities.drop: ["ALL"] (add back only NET_BIND_SERVICE if a port below 1024 is needed).',
  severity: "medium",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) => {
      const drop = list(obj(obj(container.securityContext).capabilities).drop);
      return drop.some((c) => typeof c === "string" && c.toUpperCase() === "ALL") ? undefined : `${label} does not drop ALL capabilities.`;
    }),
};
