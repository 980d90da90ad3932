/**
 * Containers run as a non-root user.
 * @severity high · @topics container-escape · Pod Security "restricted"
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const k8sRunAsNonRoot: ResourceRule = {
  name: "kubernetes-run-as-non-root",
  description: "Every container runs with runAsNonRoot: true (set on the container or inherited from the pod).",
  remediation: "set securityContext.runAsNonRoot: true (and a numeric runAsUser the image owns) on the pod or the container.",
  severity: "high",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }, pod) => {
      const own = obj(container.securityContext).runAsNonRoot;
      const inherited = obj(pod.securityContext).runAsNonRoot;
      return own === true || (own === undefined && inherited === true) ? undefined : `${label} may run as root (runAsNonRoot is not true).`;
    }),
};
