import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { API_DRAIN_SECONDS, COMMANDS, HTTP_PATHS, PORTS } from "../../app/src/config/deploy-contract";
import { PORT_NAMES, servingProbes } from "./api";
import { workerEnv, type WorkloadArgs } from "./env";
import { SERVICE_ACCOUNTS, WORKLOAD_NAMES, selectorOf, workloadLabels } from "./names";
import { hardenedContainer, hardenedPodSpec } from "./pod";
import { ScaledDeployment } from "./scaled-deployment";
import { irsaServiceAccount } from "./service-account";

/**
 * `image`: the API image (the worker is the same bundle started with COMMANDS.worker). `roleArn`:
 * consumes the transactions topic, produces decisions, reads models and secrets.
 */
export interface StreamWorkerArgs extends WorkloadArgs {
  /** The API, whose init container migrates the schema the worker writes to. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The stream worker: consumes `transactions`, scores each with the shared model and produces to
 * `decisions`. Replicas share the topic's partitions through one consumer group, so the HPA can
 * add workers up to the partition count. Same hardening, probes and drain as the API.
 */
export class StreamWorker extends pulumi.ComponentResource {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly workload: ScaledDeployment;
  /** ClusterIP Service for Prometheus only: nothing sends the worker requests. */
  readonly metricsService: k8s.core.v1.Service;

  constructor(name: string, args: StreamWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:StreamWorker", name, {}, opts);
    const appName = WORKLOAD_NAMES.worker;
    const s = args.options;

    this.serviceAccount = irsaServiceAccount(
      `${name}-sa`,
      { ...SERVICE_ACCOUNTS.worker, namespace: args.namespace },
      args.roleArn,
      "worker",
      { parent: this },
    );

    this.workload = new ScaledDeployment(
      `${name}-workload`,
      {
        namespace: args.namespace,
        name: appName,
        component: "worker",
        scaling: s.worker,
        zoneSpread: s.zoneSpread,
        podSpec: hardenedPodSpec({
          serviceAccountName: SERVICE_ACCOUNTS.worker.name,
          containers: [
            hardenedContainer({
              name: "worker",
              image: args.image,
              command: COMMANDS.worker,
              env: workerEnv(args.endpoints, s),
              resources: s.worker.resources,
              ports: [{ name: PORT_NAMES.metrics, containerPort: PORTS.metrics, protocol: "TCP" }],
              ...servingProbes(PORT_NAMES.metrics, HTTP_PATHS.readiness),
            }),
          ],
          // Finish in-flight records, flush decisions and commit offsets before exiting. No load
          // balancer in front: no preStop wait.
          terminationGracePeriodSeconds: API_DRAIN_SECONDS + 10,
        }),
        dependsOn: [this.serviceAccount, ...(args.dependsOn ?? [])],
      },
      { parent: this },
    );

    this.metricsService = new k8s.core.v1.Service(
      `${name}-metrics`,
      {
        metadata: {
          name: `${appName}-metrics`,
          namespace: args.namespace,
          labels: { ...workloadLabels(appName, "worker"), "fraud-platform/metrics": "true" },
        },
        spec: {
          type: "ClusterIP",
          selector: selectorOf(appName),
          ports: [{ name: PORT_NAMES.metrics, port: PORTS.metrics, targetPort: PORT_NAMES.metrics, protocol: "TCP" }],
        },
      },
      { parent: this },
    );

    this.registerOutputs({});
  }
}
