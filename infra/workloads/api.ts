import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { API_DRAIN_SECONDS, COMMANDS, HTTP_PATHS, PORTS } from "../../app/src/config/deploy-contract";
import { apiEnv, migrateEnv, type WorkloadArgs } from "./env";
import { SERVICE_ACCOUNTS, WORKLOAD_NAMES, selectorOf, workloadLabels } from "./names";
import { hardenedContainer, hardenedPodSpec, httpProbe, type ContainerSpec } from "./pod";
import { ScaledDeployment } from "./scaled-deployment";
import { irsaServiceAccount } from "./service-account";

/** Named container ports, used by probes, the Service, the ingress and the ServiceMonitor. */
export const PORT_NAMES = { http: "http", metrics: "metrics" } as const;

/**
 * A rollout or scale-in drops no request when a pod is out of the load balancer before it stops
 * listening. Terminating, the pod leaves the Service's endpoints; the load balancer controller then
 * deregisters its IP, and the ALB keeps sending requests already routed (and, until the change has
 * spread, new ones) for up to the deregistration delay. The preStop sleep outlasts that, so SIGTERM
 * arrives when nothing new comes; the API then keeps its listener open until requests stop
 * arriving (app/src/api/app.ts), finishes what is in flight and writes its decision buffer
 * (API_DRAIN_SECONDS). The grace period covers the sleep and the drain, then SIGKILL.
 */
export const DEREGISTRATION_DELAY_SECONDS = 15;
export const PRESTOP_SLEEP_SECONDS = DEREGISTRATION_DELAY_SECONDS + 5;
/** Counted from the start of termination (the preStop sleep included), plus headroom for the exit. */
export const TERMINATION_GRACE_SECONDS = PRESTOP_SLEEP_SECONDS + API_DRAIN_SECONDS + 10;

/**
 * `image`: the API image (it also holds the worker and the migrations). `roleArn`: reads the model
 * bucket and its secrets, produces to its topics.
 */
export interface FraudApiArgs extends WorkloadArgs {
  /** The load balancer controller: its webhook injects the target-health readiness gate into our pods. */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Pod-template annotation holding the workload roles' secret versions. */
export const DATABASE_ROLES_REVISION_ANNOTATION = "fraud-platform/database-roles-revision";

/** The API container's ports and probes; exported for the worker, which serves the same health endpoints. */
export function servingPorts(): k8s.types.input.core.v1.ContainerPort[] {
  return [
    { name: PORT_NAMES.http, containerPort: PORTS.http, protocol: "TCP" },
    { name: PORT_NAMES.metrics, containerPort: PORTS.metrics, protocol: "TCP" },
  ];
}

/**
 * Probes on `port` (a container port name). The API answers them on its traffic port with the
 * traffic readiness (HTTP_PATHS.servingReadiness); the stream worker has no traffic port and answers
 * on its metrics port, where its readiness includes Redis and PostgreSQL.
 */
export function servingProbes(
  port: string,
  readinessPath: string,
): Pick<ContainerSpec, "livenessProbe" | "readinessProbe" | "startupProbe"> {
  return {
    // Loading the model from S3 can take a while on a cold start: up to 2 minutes before liveness applies.
    startupProbe: httpProbe(HTTP_PATHS.liveness, port, { periodSeconds: 2, failureThreshold: 60 }),
    livenessProbe: httpProbe(HTTP_PATHS.liveness, port, { periodSeconds: 10, failureThreshold: 3 }),
    readinessProbe: httpProbe(readinessPath, port, { periodSeconds: 5, failureThreshold: 2 }),
  };
}

/**
 * The fraud-scoring API: service account, Deployment (with migrations), HPA, PDB and Service.
 *
 * Migrations run as an init container of the API pods, not as a Job. Why:
 * - A pod of version N cannot start serving until the schema of version N is in place, however the
 *   rollout was started (`pulumi up`, `kubectl rollout undo`, a node replacement), and with
 *   `maxUnavailable: 0` the old pods keep serving while the first new pod migrates.
 * - A failed migration stops the rollout at the first pod (Init:Error / CrashLoopBackOff) and
 *   `pulumi up` fails on the Deployment's await; a Job would need a per-version name, its own
 *   ordering and cleanup, and would not run on rollouts made outside Pulumi.
 * The cost: every pod start runs `migrate`, so migrations must be idempotent, serialized by the
 * migrate command (a PostgreSQL advisory lock, since pods start concurrently) and backward
 * compatible with the previous version (expand, then contract a release later), because old
 * pods keep serving during the rollout.
 */
export class FraudApi extends pulumi.ComponentResource {
  readonly serviceAccount: k8s.core.v1.ServiceAccount;
  readonly workload: ScaledDeployment;
  readonly service: k8s.core.v1.Service;
  /** Service name and port the ingress routes to. */
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: FraudApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:workloads:FraudApi", name, {}, opts);
    const appName = WORKLOAD_NAMES.api;
    const s = args.options;

    this.serviceAccount = irsaServiceAccount(`${name}-sa`, { ...SERVICE_ACCOUNTS.api, namespace: args.namespace }, args.roleArn, "api", {
      parent: this,
    });

    const migrate = hardenedContainer({
      name: "migrate",
      image: args.image,
      command: COMMANDS.migrate,
      env: migrateEnv(args.endpoints, s),
      // Short and I/O bound: the API's own sizing is plenty, and the pod's footprint stays one size.
      resources: s.api.resources,
    });
    const api = hardenedContainer({
      name: "api",
      image: args.image,
      command: COMMANDS.api,
      env: apiEnv(args.endpoints, s),
      resources: s.api.resources,
      ports: servingPorts(),
      ...servingProbes(PORT_NAMES.http, HTTP_PATHS.servingReadiness),
      // the kubelet's own sleep: the image needs no shell or sleep binary
      lifecycle: { preStop: { sleep: { seconds: PRESTOP_SLEEP_SECONDS } } },
    });

    this.workload = new ScaledDeployment(
      `${name}-workload`,
      {
        namespace: args.namespace,
        name: appName,
        component: "api",
        scaling: s.api,
        zoneSpread: s.zoneSpread,
        // a rotated role password rolls the pods, so the migration sets it before they start
        podAnnotations: args.endpoints.databaseRolesRevision
          ? { [DATABASE_ROLES_REVISION_ANNOTATION]: args.endpoints.databaseRolesRevision }
          : undefined,
        podSpec: hardenedPodSpec({
          serviceAccountName: SERVICE_ACCOUNTS.api.name,
          initContainers: [migrate],
          containers: [api],
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
        }),
        dependsOn: [this.serviceAccount, ...(args.dependsOn ?? [])],
      },
      { parent: this },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: {
          name: appName,
          namespace: args.namespace,
          labels: { ...workloadLabels(appName, "api"), "fraud-platform/metrics": "true" },
        },
        spec: {
          type: "ClusterIP",
          selector: selectorOf(appName),
          ports: [
            { name: PORT_NAMES.http, port: 80, targetPort: PORT_NAMES.http, protocol: "TCP" },
            { name: PORT_NAMES.metrics, port: PORTS.metrics, targetPort: PORT_NAMES.metrics, protocol: "TCP" },
          ],
        },
      },
      { parent: this },
    );
    this.serviceName = this.service.metadata.name;

    this.registerOutputs({ serviceName: this.serviceName });
  }
}
