/**
 * Processes cannot gain more privileges than their parent (no setuid escalation).
 * @severity high · @topics container-escape · Pod Security "restricted"
 */
import { eachContainer, WORKLOAD_TYPES } from "../../lib/kubernetes";
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const k8sNoPrivilegeEscalation: ResourceRule = {
  name: "kubernetes-no-privilege-escalation",
  description: "Every container sets allowPrivilegeEscalation: false.",
  remediation: "set securityContext.allowPrivilegeEscalation: false (Kubernetes defaults it to true).",
  severity: "high",
  types: WORKLOAD_TYPES,
  check: (p, args) =>
    eachContainer(args.type, p, ({ container, label }) =>
      obj(container.securityContext).allowPrivilegeEscalation === false ? undefined : `${label} allows privilege escalation.`,
    ),
};
