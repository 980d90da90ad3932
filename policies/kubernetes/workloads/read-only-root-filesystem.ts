/**
 * Containers cannot write to their image's filesystem.
 * @severity medium · @topics tampering, persistence
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const k8sReadOnlyRootFilesystem: ResourceRule = {
  name: "kubernetes-read-only-root-filesystem",
  description: "Every container has a read-only root filesystem.",
  remediation: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the process must write (e.g. /tmp).",
  severity: "medium",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) =>
      obj(container.securityContext).readOnlyRootFilesystem === true ? undefined : `${label} has a writable root filesystem.`,
    ),
};
