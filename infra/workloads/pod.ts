import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { ALL_ENV_NAMES, type EnvName } from "../../app/src/config/deploy-contract";
import type { ContainerResources } from "./options";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/**
 * The non-root user the containers run as: the `USER 1000:1000` of the app's Dockerfiles, set
 * explicitly here too so `runAsNonRoot` is checked by the kubelet without trusting the image.
 */
export const RUN_AS_USER = 1000;

/** Container-level hardening shared by every container we run, init containers included. */
export function containerSecurityContext(): k8s.types.input.core.v1.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Pod-level hardening. `fsGroup` makes the projected IRSA web-identity token readable by the
 * non-root user.
 */
export function podSecurityContext(): k8s.types.input.core.v1.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: RUN_AS_USER,
    runAsGroup: RUN_AS_USER,
    fsGroup: RUN_AS_USER,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export function resourceRequirements(r: ContainerResources): k8s.types.input.core.v1.ResourceRequirements {
  return {
    requests: { cpu: r.requests.cpu, memory: r.requests.memory },
    limits: { cpu: r.limits.cpu, memory: r.limits.memory },
  };
}

/** The only writable path: the root filesystem is read-only, Node and the AWS SDK still want a /tmp. */
const TMP = { name: "tmp", mountPath: "/tmp", sizeLimit: "256Mi" } as const;

/** Environment values by the contract's names; keys outside the contract do not type-check. */
export type EnvValues = Partial<Record<EnvName, pulumi.Input<string>>>;

/** Plain name/value pairs, sorted: no `valueFrom` secrets, since secrets travel by ARN only. */
export function envList(values: EnvValues): k8s.types.input.core.v1.EnvVar[] {
  const known = new Set<string>(ALL_ENV_NAMES);
  return Object.entries(values)
    .filter((e): e is [EnvName, pulumi.Input<string>] => e[1] !== undefined)
    .map(([name, value]) => {
      if (!known.has(name)) throw new Error(`${name} is not an environment variable of the deploy contract`);
      return { name, value };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface ContainerSpec {
  readonly name: string;
  readonly image: pulumi.Input<string>;
  readonly command: readonly string[];
  readonly args?: pulumi.Input<string>[];
  readonly env: EnvValues;
  readonly resources: ContainerResources;
  readonly ports?: k8s.types.input.core.v1.ContainerPort[];
  readonly livenessProbe?: k8s.types.input.core.v1.Probe;
  readonly readinessProbe?: k8s.types.input.core.v1.Probe;
  readonly startupProbe?: k8s.types.input.core.v1.Probe;
  readonly lifecycle?: k8s.types.input.core.v1.Lifecycle;
}

/** A container with the shared hardening, the writable /tmp and the contract's env applied. */
export function hardenedContainer(spec: ContainerSpec): Container {
  return {
    name: spec.name,
    image: spec.image,
    imagePullPolicy: "IfNotPresent",
    command: [...spec.command],
    args: spec.args,
    env: envList(spec.env),
    ports: spec.ports,
    resources: resourceRequirements(spec.resources),
    livenessProbe: spec.livenessProbe,
    readinessProbe: spec.readinessProbe,
    startupProbe: spec.startupProbe,
    lifecycle: spec.lifecycle,
    securityContext: containerSecurityContext(),
    volumeMounts: [{ name: TMP.name, mountPath: TMP.mountPath }],
  };
}

export interface PodSpecArgs {
  readonly serviceAccountName: string;
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly terminationGracePeriodSeconds?: number;
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
  readonly topologySpreadConstraints?: k8s.types.input.core.v1.TopologySpreadConstraint[];
}

/**
 * The pod around hardened containers. The service account token is not mounted: no workload talks
 * to the Kubernetes API, and the IRSA webhook projects its own AWS token regardless.
 */
export function hardenedPodSpec(args: PodSpecArgs): PodSpec {
  return {
    serviceAccountName: args.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: podSecurityContext(),
    initContainers: args.initContainers,
    containers: args.containers,
    restartPolicy: args.restartPolicy,
    terminationGracePeriodSeconds: args.terminationGracePeriodSeconds,
    topologySpreadConstraints: args.topologySpreadConstraints,
    volumes: [{ name: TMP.name, emptyDir: { sizeLimit: TMP.sizeLimit } }],
  };
}

/**
 * Spread replicas across zones (the setting decides whether that is a hard rule) and, softly,
 * across nodes, so losing a zone or a node never takes every replica.
 */
export function spreadAcrossZones(
  selector: Record<string, string>,
  whenUnsatisfiable: "DoNotSchedule" | "ScheduleAnyway",
): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  return [
    { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable, labelSelector: { matchLabels: selector } },
    { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
  ];
}

/** HTTP probe on a named container port. */
export function httpProbe(
  path: string,
  port: string,
  overrides: Partial<k8s.types.input.core.v1.Probe> = {},
): k8s.types.input.core.v1.Probe {
  return { httpGet: { path, port }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, ...overrides };
}
