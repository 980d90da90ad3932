import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { WorkloadOptions } from "./options";
import { FraudApi } from "./api";
import type { DataStoreEndpoints } from "./env";
import { ApiIngress } from "./ingress";
import { LoadBalancerController } from "./lb-controller";
import { Monitoring } from "./monitoring";
import { NAMESPACES } from "./names";
import { restrictedNamespace } from "./namespaces";
import { SelfSignedCertificate } from "./self-signed-certificate";
import { NetworkPolicies } from "./network-policies";
import { Trainer } from "./trainer";
import { DriftRetrain, driftRetrainEnabled } from "./drift-retrain";
import { StreamWorker } from "./worker";
import { LogShipper, type LogShipperArgs } from "../observability/log-shipper";
import { TraceCollector } from "../observability/trace-collector";

export interface WorkloadsArgs {
  /** What runs and how big: sizes, scaling, schedule, ingress, monitoring (defaults in `WorkloadOptions`). */
  readonly options: WorkloadOptions;
  /** Kubeconfig of the stack's EKS cluster (JSON or YAML); the provider is built from it. */
  readonly kubeconfig: pulumi.Input<string>;
  /** The EKS cluster the workloads run on. */
  readonly cluster: {
    readonly name: pulumi.Input<string>;
    /** IAM OIDC provider of the cluster (IRSA for the load balancer controller). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Its issuer without `https://`. */
    readonly oidcIssuer: pulumi.Input<string>;
    /** Security group of the workload nodes (and so of the pods' ENIs). */
    readonly nodeSecurityGroupId: pulumi.Input<string>;
  };
  /** The cluster's VPC (the load balancer controller works in it). */
  readonly vpcId: pulumi.Input<string>;
  /** Address ranges the network policies are computed from (plain, except S3's). */
  readonly network: {
    /** The whole VPC (the data stores live in its isolated subnets). */
    readonly vpcCidr: string;
    /** Nodes, pods and the EKS control plane's interfaces. */
    readonly privateSubnetCidrs: readonly string[];
    /** The interface endpoints (STS, Secrets Manager, ECR). */
    readonly endpointSubnetCidrs: readonly string[];
    /** The region's S3 prefix list (the model registry, ECR layers). */
    readonly s3Cidrs: pulumi.Input<string[]>;
  };
  /** The images to run, by digest (`repo@sha256:...`): built by the program (AppImages) or prebuilt. */
  readonly images: {
    /** The API image: API, stream worker, migrations. */
    readonly api: pulumi.Input<string>;
    readonly trainer: pulumi.Input<string>;
  };
  /** IRSA role ARNs from the platform. */
  readonly roles: {
    readonly api: pulumi.Input<string>;
    /** The worker's own role: same image as the API, different grants (Kafka, no API keys). */
    readonly worker: pulumi.Input<string>;
    readonly trainer: pulumi.Input<string>;
    /** The trace collector's (X-Ray writes); needed when `options.tracing` exports to X-Ray. */
    readonly collector?: pulumi.Input<string>;
  };
  /** Where the data stores are: addresses and secret ARNs, never secret values. */
  readonly endpoints: DataStoreEndpoints;
  /**
   * Ship every container's logs to this log group (Fluent Bit, infra/observability/log-shipper.ts).
   * Default: none (logs stay on the nodes, `kubectl logs` only).
   */
  readonly logShipping?: Omit<LogShipperArgs, "region" | "privateSubnetCidrs">;
}

/**
 * Everything the stack runs on its EKS cluster: namespaces, the load balancer controller, the
 * API with its ingress, the stream worker, the trainer, network policies and monitoring. Every
 * Kubernetes object goes through one provider built from the cluster's kubeconfig.
 */
export class Workloads extends pulumi.ComponentResource {
  readonly provider: k8s.Provider;
  /** The API's URL (stack output `apiUrl`), always https. */
  readonly apiUrl: pulumi.Output<string | undefined>;
  /** The self-signed certificate clients must trust, in a stack without `certificateArn`. */
  readonly apiCertificatePem: pulumi.Output<string | undefined>;

  constructor(name: string, args: WorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:Workloads", name, {}, opts);
    const s = args.options;

    // An explicit provider: objects go to this stack's cluster, never to the ambient kubectl context.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: args.kubeconfig }, { parent: this });
    const k8sOpts = { parent: this, provider: this.provider };
    const children = { parent: this, providers: { kubernetes: this.provider } };

    const serving = restrictedNamespace(
      `${name}-serving`,
      NAMESPACES.serving,
      {
        // The controller injects a readiness gate: a new pod counts as ready only once the ALB sees it healthy.
        "elbv2.k8s.aws/pod-readiness-gate-inject": "enabled",
      },
      k8sOpts,
    );
    const training = restrictedNamespace(`${name}-training`, NAMESPACES.training, {}, k8sOpts);

    const controller = new LoadBalancerController(
      `${name}-lbc`,
      {
        clusterName: args.cluster.name,
        vpcId: args.vpcId,
        region: args.endpoints.region,
        nodeSecurityGroupId: args.cluster.nodeSecurityGroupId,
        oidcProviderArn: args.cluster.oidcProviderArn,
        oidcIssuer: args.cluster.oidcIssuer,
        chartVersion: s.loadBalancerControllerVersion,
      },
      children,
    );

    const apiImage = args.images.api;
    const api = new FraudApi(
      `${name}-api`,
      {
        namespace: serving.metadata.name,
        image: apiImage,
        roleArn: args.roles.api,
        endpoints: args.endpoints,
        options: s,
        dependsOn: [controller],
      },
      children,
    );

    new StreamWorker(
      `${name}-worker`,
      {
        namespace: serving.metadata.name,
        image: apiImage,
        roleArn: args.roles.worker,
        endpoints: args.endpoints,
        options: s,
        dependsOn: [controller, api.workload],
      },
      children,
    );

    // HTTPS in every stack: the configured certificate, or a self-signed one (dev).
    const selfSigned =
      s.ingress.certificateArn === undefined
        ? new SelfSignedCertificate(`${name}-tls`, { region: args.endpoints.region, host: s.ingress.host }, { parent: this })
        : undefined;
    const ingress = new ApiIngress(
      `${name}-ingress`,
      {
        namespace: serving.metadata.name,
        serviceName: api.serviceName,
        options: s.ingress,
        certificateArn: selfSigned?.certificateArn ?? (s.ingress.certificateArn as string),
        dependsOn: [controller],
      },
      children,
    );

    const trainer = new Trainer(
      `${name}-trainer`,
      {
        namespace: training.metadata.name,
        image: args.images.trainer,
        roleArn: args.roles.trainer,
        endpoints: args.endpoints,
        options: s,
      },
      children,
    );

    if (driftRetrainEnabled(s)) {
      new DriftRetrain(
        `${name}-drift-retrain`,
        { namespace: training.metadata.name, image: args.images.trainer, options: s, trainerCronJob: trainer.cronJob },
        children,
      );
    }

    const monitoring = new Monitoring(`${name}-monitoring`, { options: s, servingNamespace: serving.metadata.name }, children);

    new NetworkPolicies(
      `${name}-netpol`,
      {
        ...args.network,
        monitoringNamespace: s.monitoring.namespace,
        monitoringClients: s.monitoring.clientNamespaces,
        ownsMonitoringNamespace: monitoring.namespace !== undefined,
        driftRetrain: driftRetrainEnabled(s),
        namespaces: {
          [NAMESPACES.serving]: serving.metadata.name,
          [NAMESPACES.training]: training.metadata.name,
          ...(monitoring.namespace ? { [s.monitoring.namespace]: monitoring.namespace.metadata.name } : {}),
        },
      },
      children,
    );

    if (args.logShipping) {
      new LogShipper(
        `${name}-logs`,
        { ...args.logShipping, region: args.endpoints.region, privateSubnetCidrs: args.network.privateSubnetCidrs },
        children,
      );
    }

    if (s.tracing) {
      new TraceCollector(
        `${name}-tracing`,
        {
          tracing: s.tracing,
          region: args.endpoints.region,
          roleArn: args.roles.collector,
          endpointSubnetCidrs: args.network.endpointSubnetCidrs,
          zoneSpread: s.zoneSpread,
          clientNamespaces: { [NAMESPACES.serving]: serving.metadata.name, [NAMESPACES.training]: training.metadata.name },
        },
        children,
      );
    }

    this.apiUrl = ingress.url;
    this.apiCertificatePem = selfSigned ? selfSigned.certificatePem : pulumi.output(undefined);
    this.registerOutputs({ apiUrl: this.apiUrl, apiCertificatePem: this.apiCertificatePem });
  }
}
