/**
 * No container runs privileged (full access to the node's devices and kernel).
 * @severity critical · @topics container-escape · Pod Security "baseline"
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const k8sNotPrivileged: ResourceRule = {
  name: "kubernetes-not-privileged",
  description: "No container is privileged.",
  remediation: "remove securityContext.privileged (or set it to false); grant a single capability instead if one is truly needed.",
  severity: "critical",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) =>
      obj(container.securityContext).privileged === true ? `${label} is privileged.` : undefined,
    ),
};
