import { describe, expect, it } from "vitest";
import { PORTS } from "../../app/src/config/deploy-contract";
import { NAMESPACES } from "./names";
import { DATA_STORE_PORTS, networkPolicies, type NamedPolicy } from "./network-policies";

const policies = networkPolicies({ vpcCidr: "10.50.0.0/16", monitoringNamespace: "monitoring", ownsMonitoringNamespace: false });
const named = (ns: string, name: string): NamedPolicy => {
  const p = policies.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no policy ${ns}/${name}`);
  return p;
};
const ports = (rules: any[] | undefined) => (rules ?? []).flatMap((r) => r.ports.map((p: any) => p.port)).sort((a: number, b: number) => a - b);

describe("network policies", () => {
  it("deny everything in both directions by default in each namespace", () => {
    for (const ns of Object.values(NAMESPACES)) {
      expect(named(ns, "default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(named(ns, "allow-dns").spec.egress).toEqual([{
        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      }]);
    }
  });

  it("admit the load balancer to the API port only, from inside the VPC", () => {
    const p = named(NAMESPACES.serving, "api-from-load-balancer").spec;
    expect(p.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "fraud-api" } });
    expect(p.ingress).toEqual([{ from: [{ ipBlock: { cidr: "10.50.0.0/16" } }], ports: [{ protocol: "TCP", port: PORTS.http }] }]);
  });

  it("admit only Prometheus from the monitoring namespace to the metrics port", () => {
    const p = named(NAMESPACES.serving, "metrics-from-prometheus").spec;
    expect(p.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
      ports: [{ protocol: "TCP", port: PORTS.metrics }],
    }]);
  });

  it("let serving reach Redis, PostgreSQL and MSK inside the VPC and AWS APIs on 443 only", () => {
    const egress = named(NAMESPACES.serving, "serving-to-data-stores").spec.egress as any[];
    expect(egress[0].to).toEqual([{ ipBlock: { cidr: "10.50.0.0/16" } }]);
    expect(ports([egress[0]])).toEqual([DATA_STORE_PORTS.postgres, DATA_STORE_PORTS.redis, DATA_STORE_PORTS.mskIam].sort((a, b) => a - b));
    expect(egress[1]).toEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 443 }] });
  });

  it("let the trainer reach PostgreSQL and AWS APIs, not Redis or Kafka", () => {
    const egress = named(NAMESPACES.training, "trainer-to-data-stores").spec.egress as any[];
    expect(ports(egress)).toEqual([443, 5432]);
  });

  it("fence the monitoring namespace to the VPC when the program creates it", () => {
    const owned = networkPolicies({ vpcCidr: "10.50.0.0/16", monitoringNamespace: "obs", ownsMonitoringNamespace: true }).filter((p) => p.namespace === "obs");
    expect(owned.map((p) => p.name)).toEqual(["default-deny", "allow-dns", "monitoring-within-vpc"]);
    expect(owned[2].spec.egress).toEqual([{ to: [{ podSelector: {} }, { ipBlock: { cidr: "10.50.0.0/16" } }] }]);
    expect(policies.some((p) => p.namespace === "monitoring")).toBe(false);
  });

  it("open no port that is not in this list", () => {
    const opened = new Set(policies.flatMap((p) => [...(p.spec.ingress as any[] ?? []), ...(p.spec.egress as any[] ?? [])]).flatMap((r) => r.ports.map((x: any) => x.port)));
    expect([...opened].sort((a, b) => a - b)).toEqual([53, 443, 5432, 6379, PORTS.http, 9098, PORTS.metrics].sort((a, b) => a - b));
  });
});
