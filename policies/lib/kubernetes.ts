// Where the pod template sits in each workload kind, and the containers a rule must look at.
import { isUnknown, list, obj, peek } from "./values";

export const POD = "kubernetes:core/v1:Pod";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
export const DAEMON_SET = "kubernetes:apps/v1:DaemonSet";
export const REPLICA_SET = "kubernetes:apps/v1:ReplicaSet";
export const JOB = "kubernetes:batch/v1:Job";
export const CRON_JOB = "kubernetes:batch/v1:CronJob";

/** Controllers that keep pods running; these need liveness and readiness probes. */
export const LONG_RUNNING_TYPES = [DEPLOYMENT, STATEFUL_SET, DAEMON_SET, REPLICA_SET] as const;
/** Everything that carries a pod spec. */
export const WORKLOAD_TYPES = [POD, ...LONG_RUNNING_TYPES, JOB, CRON_JOB] as const;

type Obj = Record<string, unknown>;

export function podSpecOf(type: string, props: Obj): Obj {
  const spec = obj(props.spec);
  if (type === POD) return spec;
  if (type === CRON_JOB) return obj(obj(obj(obj(spec.jobTemplate).spec).template).spec);
  return obj(obj(spec.template).spec);
}

export interface ContainerRef {
  container: Obj;
  /** `init container "migrate"` or `container "api"`, for messages. */
  label: string;
  init: boolean;
}

export function containersOf(podSpec: Obj): ContainerRef[] {
  const named = (c: Obj) => String(c.name ?? "?");
  return [
    ...list<Obj>(podSpec.initContainers).map((c) => ({ container: c, label: `init container "${named(c)}"`, init: true })),
    ...list<Obj>(podSpec.containers).map((c) => ({ container: c, label: `container "${named(c)}"`, init: false })),
  ];
}

/** A workload rule: run `check` on every container of every workload kind. */
export function eachContainer(type: string, props: Obj, check: (c: ContainerRef, podSpec: Obj) => string | undefined): string[] {
  const podSpec = podSpecOf(type, props);
  return containersOf(podSpec)
    .map((c) => check(c, podSpec))
    .filter((m): m is string => m !== undefined);
}

export const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
export const HPA_V2 = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
export const HPA_TYPES = [
  "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
  "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
  HPA_V2,
] as const;
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A metadata string (name, namespace) or undefined while unknown in preview. */
export function metaOf(props: Obj, key: "name" | "namespace"): string | undefined {
  const v = peek(obj(peek(props, "metadata")), key);
  if (isUnknown(v)) return undefined;
  if (key === "namespace" && (v === undefined || v === "")) return "default";
  return typeof v === "string" ? v : undefined;
}

/** Same namespace, or cannot be told yet (one side unknown): lenient so preview never misfires. */
export function sameNamespace(a: Obj, b: Obj): boolean {
  const na = metaOf(a, "namespace");
  const nb = metaOf(b, "namespace");
  return na === undefined || nb === undefined || na === nb;
}

/** Does a label selector ({matchLabels, matchExpressions}) select pods with `labels`? */
export function selects(selector: unknown, labels: Record<string, unknown>): boolean {
  const s = obj(selector);
  const matchLabels = obj(s.matchLabels);
  const exprs = list<Obj>(s.matchExpressions);
  // An empty selector selects everything in a PDB (policy/v1).
  for (const [k, v] of Object.entries(matchLabels)) if (labels[k] !== v) return false;
  for (const e of exprs) {
    const key = String(e.key);
    const values = list(e.values);
    const has = key in labels;
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[key])) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[key])) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The labels on a workload's pod template. */
export function podLabelsOf(props: Obj): Record<string, unknown> {
  return obj(obj(obj(obj(props.spec).template).metadata).labels);
}
