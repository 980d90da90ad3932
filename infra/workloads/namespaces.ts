import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Pod Security Admission at `restricted`, enforced, audited and warned, pinned to the latest policy. */
export function restrictedPodSecurityLabels(): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "audit", "warn"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

/**
 * A namespace for a third-party agent that needs the host (node-exporter's network and /proc,
 * Fluent Bit's /var/log): Pod Security `privileged` enforced, with warnings and audit still at
 * `baseline` so anything beyond what it needs shows up.
 */
export function privilegedNamespace(name: string, nsName: string, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    name,
    {
      metadata: {
        name: nsName,
        labels: {
          "app.kubernetes.io/part-of": "fraud-platform",
          "app.kubernetes.io/managed-by": "pulumi",
          "pod-security.kubernetes.io/enforce": "privileged",
          "pod-security.kubernetes.io/warn": "baseline",
          "pod-security.kubernetes.io/audit": "baseline",
        },
      },
    },
    opts,
  );
}

/** A namespace of ours: restricted pods only, plus any extra labels (e.g. the ALB readiness gate). */
export function restrictedNamespace(
  name: string,
  nsName: string,
  extraLabels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    name,
    {
      metadata: {
        name: nsName,
        labels: {
          ...restrictedPodSecurityLabels(),
          "app.kubernetes.io/part-of": "fraud-platform",
          "app.kubernetes.io/managed-by": "pulumi",
          ...extraLabels,
        },
      },
    },
    opts,
  );
}
