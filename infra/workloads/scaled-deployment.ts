import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AutoscalingOptions } from "./options";
import { selectorOf, workloadLabels } from "./names";
import { spreadAcrossZones } from "./pod";
import { hpaSpec, pdbSpec } from "./scaling";

export interface ScaledDeploymentArgs {
  /** Namespace of the Deployment, HPA and PDB. */
  readonly namespace: pulumi.Input<string>;
  /** Object name of the Deployment, HPA and PDB; also the pods' `app.kubernetes.io/name`. */
  readonly name: string;
  /** `app.kubernetes.io/component` of every object. */
  readonly component: string;
  /** Replica range, utilisation targets, scaling behaviour (defaults in `AutoscalingOptions`). */
  readonly scaling: AutoscalingOptions;
  /** How strictly replicas are spread over zones (see `WorkloadOptions.zoneSpread`). */
  readonly zoneSpread: "DoNotSchedule" | "ScheduleAnyway";
  /** The hardened pod (see `hardenedPodSpec`); topology spread is added here. */
  readonly podSpec: k8s.types.input.core.v1.PodSpec;
  /** Annotations of the pod template (a change rolls the pods). Default: none. */
  readonly podAnnotations?: Record<string, pulumi.Input<string>>;
  /** Resources the Deployment must wait for (e.g. the load balancer controller's webhook). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * What the API and the stream worker have in common: a Deployment that rolls out with no pod
 * unavailable, an autoscaling/v2 HPA that owns the replica count, and a disruption budget.
 */
export class ScaledDeployment extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly autoscaler: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  readonly disruptionBudget: k8s.policy.v1.PodDisruptionBudget;

  constructor(name: string, args: ScaledDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:ScaledDeployment", name, {}, opts);
    const labels = workloadLabels(args.name, args.component);
    const selector = selectorOf(args.name);
    const metadata = { name: args.name, namespace: args.namespace, labels };

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata,
        spec: {
          // Created at the HPA floor; afterwards the HPA owns the count (see ignoreChanges below).
          replicas: args.scaling.minReplicas,
          revisionHistoryLimit: 5,
          minReadySeconds: 5,
          progressDeadlineSeconds: 600,
          selector: { matchLabels: selector },
          // A new pod must be Ready before an old one goes: capacity never drops during a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels, annotations: args.podAnnotations },
            spec: { ...args.podSpec, topologySpreadConstraints: spreadAcrossZones(selector, args.zoneSpread) },
          },
        },
      },
      {
        parent: this,
        dependsOn: args.dependsOn,
        // The HPA changes spec.replicas at run time; re-applying the floor on every `pulumi up` would
        // scale a busy service down to minReplicas in the middle of traffic.
        ignoreChanges: ["spec.replicas"],
      },
    );

    this.autoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata,
        spec: hpaSpec(args.name, args.scaling),
      },
      { parent: this, dependsOn: [this.deployment] },
    );

    this.disruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata,
        spec: pdbSpec(selector),
      },
      { parent: this },
    );

    this.registerOutputs({ deploymentName: this.deployment.metadata.name });
  }
}
