import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { WorkloadSettings } from "../../stacks/workloads";
import { FraudApi } from "./api";
import type { DataStoreEndpoints } from "./env";
import { ApiIngress } from "./ingress";
import { LoadBalancerController } from "./lb-controller";
import { Monitoring } from "./monitoring";
import { NAMESPACES } from "./names";
import { restrictedNamespace } from "./namespaces";
import { NetworkPolicies } from "./network-policies";
import { Trainer } from "./trainer";
import { StreamWorker } from "./worker";

export interface WorkloadsArgs {
  readonly settings: WorkloadSettings;
  /** Kubeconfig of the stack's EKS cluster (JSON or YAML); the provider is built from it. */
  readonly kubeconfig: pulumi.Input<string>;
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    /** IAM OIDC provider of the cluster (IRSA for the load balancer controller). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Its issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
  };
  readonly vpcId: pulumi.Input<string>;
  /** The VPC's CIDR (plain: network policies are computed from it). */
  readonly vpcCidr: string;
  /** The images to run, by digest (`repo@sha256:...`): built by the program (AppImages) or prebuilt. */
  readonly images: {
    /** The API image: API, stream worker, migrations. */
    readonly api: pulumi.Input<string>;
    readonly trainer: pulumi.Input<string>;
  };
  /** IRSA role ARNs from the platform. */
  readonly roles: {
    readonly api: pulumi.Input<string>;
    /** Default: the API's role (same image, same data). */
    readonly worker?: pulumi.Input<string>;
    readonly trainer: pulumi.Input<string>;
  };
  readonly endpoints: DataStoreEndpoints;
  /** Default "aws". */
  readonly partition?: string;
}

/**
 * Everything the stack runs on its EKS cluster: namespaces, the load balancer controller, the
 * API with its ingress, the stream worker, the trainer, network policies and monitoring. Every
 * Kubernetes object goes through one provider built from the cluster's kubeconfig.
 */
export class Workloads extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  /** The API's URL (stack output `apiUrl`). */
  readonly apiUrl: pulumi.Output<string | undefined>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:Workloads", name, {}, opts);
    const s = args.settings;

    // An explicit provider: objects go to this stack's cluster, never to the ambient kubectl context.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, { parent: this });
    const k8sOpts = { parent: this, provider: this.provider };
    const children = { parent: this, providers: { kubernetes: this.provider } };

    const serving = restrictedNamespace(`${name}-serving`, NAMESPACES.serving, {
      // The controller injects a readiness gate: a new pod counts as ready only once the ALB sees it healthy.
      "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
    }, k8sOpts);
    const training = restrictedNamespace(`${name}-training`, NAMESPACES.training, {}, k8sOpts);

    const controller = new LoadBalancerController(`${name}-lbc`, {
      clusterName: args.cluster.name,
      vpcId: args.vpcId,
      region: args.endpoints.region,
      partition: args.partition,
      oidcProviderArn: args.cluster.oidcProviderArn,
      oidcIssuer: args.cluster.oidcIssuer,
      chartVersion: s.loadBalancerControllerVersion,
    }, children);

    const apiImage = args.images.api;
    const api = new FraudApi(`${name}-api`, {
      namespace: serving.metadata.name,
      image: apiImage,
      roleArn: args.roles.api,
      endpoints: args.endpoints,
      settings: s,
      dependsOn: [controller],
    }, children);

    new StreamWorker(`${name}-worker`, {
      namespace: serving.metadata.name,
      image: apiImage,
      roleArn: args.roles.worker ?? args.roles.api,
      endpoints: args.endpoints,
      settings: s,
      dependsOn: [controller, api.workload],
    }, children);

    const ingress = new ApiIngress(`${name}-ingress`, {
      namespace: serving.metadata.name,
      serviceName: api.serviceName,
      settings: s.ingress,
      dependsOn: [controller],
    }, children);

    new Trainer(`${name}-trainer`, {
      namespace: training.metadata.name,
      image: args.images.trainer,
      roleArn: args.roles.trainer,
      endpoints: args.endpoints,
      settings: s,
    }, children);

    const monitoring = new Monitoring(`${name}-monitoring`, { settings: s, servingNamespace: serving.metadata.name }, children);

    new NetworkPolicies(`${name}-netpol`, {
      vpcCidr: args.vpcCidr,
      monitoringNamespace: s.monitoring.namespace,
      ownsMonitoringNamespace: monitoring.namespace !== undefined,
      namespaces: {
        [NAMESPACES.serving]: serving.metadata.name,
        [NAMESPACES.training]: training.metadata.name,
        ...(monitoring.namespace ? { [s.monitoring.namespace]: monitoring.namespace.metadata.name } : {}),
      },
    }, children);

    this.apiUrl = ingress.url;
    this.registerOutputs({ apiUrl: this.apiUrl });
  }
}
