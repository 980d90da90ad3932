/**
 * Names shared between the workloads and the platform: the IRSA roles' trust policies name these
 * service accounts (`system:serviceaccount:NAMESPACE:NAME`), so both sides import them from here.
 */
export const NAMESPACES = { serving: "fraud-serving", training: "fraud-training" } as const;

export const SERVICE_ACCOUNTS = {
  api: { namespace: NAMESPACES.serving, name: "fraud-api" },
  worker: { namespace: NAMESPACES.serving, name: "fraud-worker" },
  trainer: { namespace: NAMESPACES.training, name: "fraud-trainer" },
  loadBalancerController: { namespace: "kube-system", name: "aws-load-balancer-controller" },
} as const;

/** Object names users type (`kubectl -n fraud-training create job --from=cronjob/fraud-trainer ...`). */
export const WORKLOAD_NAMES = {
  api: "fraud-api",
  worker: "fraud-worker",
  trainer: "fraud-trainer",
  driftRetrain: "fraud-drift-retrain",
  challengerCompare: "fraud-challenger-compare",
} as const;

/** The `system:serviceaccount:...` subject an IRSA trust policy must name for a service account. */
export function serviceAccountSubject(sa: { namespace: string; name: string }): string {
  return `system:serviceaccount:${sa.namespace}:${sa.name}`;
}

/** Labels every object of one workload carries; `app.kubernetes.io/name` selects its pods. */
export function workloadLabels(name: string, component: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": "fraud-platform",
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

export const selectorOf = (name: string): Record<string, string> => ({ "app.kubernetes.io/name": name });
