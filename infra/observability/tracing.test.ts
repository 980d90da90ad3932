/**
 * Tracing: the pure pieces (environment, collector configuration, network policies) and the whole
 * program under mocks: prod runs the collector and tells the workloads, dev neither.
 */
import { beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { ENV } from "../../app/src/config/deploy-contract";
import { byType, one, runStack, type StackRun } from "../testing/harness";
import { containerSecurityContext, podSecurityContext } from "../workloads/pod";
import { xrayWritePolicy } from "./documents";
import { COLLECTOR_OTLP_HTTP_ENDPOINT } from "./names";
import { collectorConfig, endpointPort, TRACING_DEFAULTS, tracingEnv, tracingPolicies, type TracingOptions } from "./tracing";

const XRAY: TracingOptions = { ...TRACING_DEFAULTS, environment: "prod" };
const OTLP: TracingOptions = {
  ...XRAY,
  exporter: { kind: "otlp", endpoint: "https://tempo.example.internal:4318", egressCidrs: ["10.60.0.0/24"] },
};

describe("what the workloads are told", () => {
  it("nothing when tracing is off; the collector's endpoint, ratio sampling and the service name when on", () => {
    expect(tracingEnv(undefined, "fraud-api")).toEqual({});
    expect(tracingEnv({ ...XRAY, samplingRatio: 0.05 }, "fraud-worker")).toEqual({
      [ENV.otelEndpoint]: "http://otel-collector.observability.svc.cluster.local:4318",
      [ENV.otelProtocol]: "http/protobuf",
      [ENV.otelSampler]: "parentbased_traceidratio",
      [ENV.otelSamplerArg]: "0.05",
      [ENV.otelServiceName]: "fraud-worker",
      [ENV.otelResourceAttributes]: "deployment.environment=prod",
    });
  });
});

describe("collector configuration", () => {
  it("OTLP in, memory limiter then batch, one exporter: X-Ray in the region, or the OTLP endpoint", () => {
    const x = collectorConfig(XRAY, "us-east-1") as any;
    expect(x.receivers.otlp.protocols).toEqual({ grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } });
    expect(x.service.pipelines.traces).toEqual({ receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["awsxray"] });
    expect(x.exporters.awsxray.region).toBe("us-east-1");
    const o = collectorConfig(OTLP, "us-east-1") as any;
    expect(o.exporters).toEqual({ otlphttp: { endpoint: "https://tempo.example.internal:4318" } });
    expect(o.service.pipelines.traces.exporters).toEqual(["otlphttp"]);
  });
});

describe("tracing network policies", () => {
  const endpoints = ["10.50.0.0/20"];
  const byName = (t: TracingOptions): Record<string, any> =>
    Object.fromEntries(tracingPolicies(t, endpoints).map((p) => [`${p.namespace}/${p.name}`, p.spec]));

  it("the collector admits OTLP from our two namespaces only, and they may reach it", () => {
    const p = byName(XRAY);
    expect(p["observability/default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const from = p["observability/collector-from-workloads"]!.ingress![0] as any;
    expect(from.from.map((f: any) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"])).toEqual([
      "fraud-serving",
      "fraud-training",
    ]);
    expect(from.ports.map((x: any) => x.port)).toEqual([4317, 4318]);
    for (const ns of ["fraud-serving", "fraud-training"])
      expect((p[`${ns}/to-trace-collector`]!.egress![0] as any).to[0].namespaceSelector.matchLabels).toEqual({
        "kubernetes.io/metadata.name": "observability",
      });
  });

  it("the collector sends to the endpoint subnets on 443 (X-Ray, STS), or to the OTLP backend's CIDRs on its port", () => {
    expect(byName(XRAY)["observability/collector-to-backend"]!.egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.50.0.0/20" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    expect(byName(OTLP)["observability/collector-to-backend"]!.egress).toEqual([
      { to: [{ ipBlock: { cidr: "10.60.0.0/24" } }], ports: [{ protocol: "TCP", port: 4318 }] },
      { to: [{ ipBlock: { cidr: "10.50.0.0/20" } }], ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    expect(endpointPort("https://x.example")).toBe(443);
    expect(endpointPort("http://x.example")).toBe(80);
  });

  it("never to the whole internet, never to nowhere", () => {
    expect(() => tracingPolicies({ ...OTLP, exporter: { ...OTLP.exporter, egressCidrs: ["0.0.0.0/0"] } as any }, endpoints)).toThrow(
      /must not be open/,
    );
    expect(() => tracingPolicies(XRAY, [])).toThrow(/no CIDR/);
  });
});

describe("the program (both stacks)", () => {
  const runs: Partial<Record<"dev" | "prod", StackRun>> = {};
  beforeAll(async () => {
    runs.dev = await runStack("dev");
    runs.prod = await runStack("prod");
  }, 90_000);
  const k8s = (run: StackRun, kind: string) =>
    run.resources.filter((r) => r.type.startsWith(`kubernetes:`) && r.type.endsWith(`:${kind}`)).map((r) => r.inputs);
  const containersOf = (run: StackRun) =>
    [
      ...k8s(run, "Deployment").map((d) => d.spec.template.spec),
      ...k8s(run, "CronJob").map((c) => c.spec.jobTemplate.spec.template.spec),
    ].flatMap((s: any) => s.containers.map((c: any) => ({ ...c, serviceAccount: s.serviceAccountName })));
  const env = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));

  it("prod: the API, worker and trainer export to the collector at 1%, each under its own name; dev: no OTEL_* at all", () => {
    const names: Record<string, string> = {};
    const workloads = new Set(["fraud-api", "fraud-worker", "fraud-trainer"]);
    for (const c of containersOf(runs.prod!).filter((c) => workloads.has(c.serviceAccount))) {
      const e = env(c);
      expect(e[ENV.otelEndpoint], c.name).toBe(COLLECTOR_OTLP_HTTP_ENDPOINT);
      expect(e[ENV.otelSamplerArg]).toBe("0.01");
      names[c.serviceAccount] = e[ENV.otelServiceName];
    }
    expect(names).toEqual({ "fraud-api": "fraud-api", "fraud-worker": "fraud-worker", "fraud-trainer": "fraud-trainer" });
    for (const c of containersOf(runs.dev!))
      expect(
        Object.keys(env(c)).filter((n) => n.startsWith("OTEL_")),
        c.name,
      ).toEqual([]);
  });

  it("prod runs a hardened collector: HPA from 2, PDB, probes, pinned image, X-Ray config, IRSA role with the X-Ray grant only", () => {
    const run = runs.prod!;
    const d = k8s(run, "Deployment").find((x) => x.metadata.name === "otel-collector")!;
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toEqual(podSecurityContext());
    const c = pod.containers[0];
    expect(c.securityContext).toEqual(containerSecurityContext());
    expect(c.image).toBe(TRACING_DEFAULTS.collector.image);
    expect(c.livenessProbe.httpGet.port).toBe("health");
    expect(k8s(run, "HorizontalPodAutoscaler").find((h) => h.metadata.name === "otel-collector")!.spec.minReplicas).toBe(2);
    expect(k8s(run, "PodDisruptionBudget").some((p) => p.metadata.name === "otel-collector")).toBe(true);
    const svc = k8s(run, "Service").find((s) => s.metadata.name === "otel-collector")!;
    expect(svc.spec.ports.map((p: any) => p.port)).toEqual([4317, 4318]);
    const config = YAML.parse(k8s(run, "ConfigMap").find((m) => m.metadata.name === "otel-collector-config")!.data["config.yaml"]);
    expect(config).toEqual(collectorConfig(XRAY, "us-east-1"));
    const sa = k8s(run, "ServiceAccount").find((s) => s.metadata.name === "otel-collector")!;
    const role = byType(run, "aws:iam/role:Role").find((r) => r.state.arn === sa.metadata.annotations["eks.amazonaws.com/role-arn"])!;
    expect(role.inputs.assumeRolePolicy).toContain('"system:serviceaccount:observability:otel-collector"');
    expect(JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "tracing-collector-policy").inputs.policy)).toEqual(xrayWritePolicy());
    expect(byType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName)).toContain("com.amazonaws.us-east-1.xray");
  });

  it("dev runs no collector, no X-Ray role, no X-Ray endpoint", () => {
    const run = runs.dev!;
    expect(k8s(run, "Deployment").map((d) => d.metadata.name)).not.toContain("otel-collector");
    expect(k8s(run, "Namespace").map((n) => n.metadata.name)).not.toContain("observability");
    expect(byType(run, "aws:iam/role:Role").some((r) => r.name.startsWith("tracing-collector"))).toBe(false);
    expect(byType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName)).not.toContain("com.amazonaws.us-east-1.xray");
  });
});
