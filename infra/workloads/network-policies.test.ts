import { describe, expect, it } from "vitest";
import { PORTS } from "../../app/src/config/deploy-contract";
import { NAMESPACES } from "./names";
import { subnetLayout } from "../network/cidr";
import {
  awsApisEgress,
  DATA_STORE_PORTS,
  networkPolicies,
  OPERATOR_WEBHOOK_PORT,
  type NamedPolicy,
  type NetworkPolicyInputs,
} from "./network-policies";

const layout = subnetLayout("10.50.0.0/16", 3);
const S3 = ["54.231.0.0/16", "52.216.0.0/15"];
const INPUTS: NetworkPolicyInputs = {
  vpcCidr: "10.50.0.0/16",
  privateSubnetCidrs: layout.private,
  endpointSubnetCidrs: layout.private.slice(0, 2),
  s3Cidrs: S3,
  monitoringNamespace: "monitoring",
  monitoringClients: [],
  ownsMonitoringNamespace: false,
  driftRetrain: false,
};
const policies = networkPolicies(INPUTS);
const named = (ns: string, name: string): NamedPolicy => {
  const p = policies.find((x) => x.namespace === ns && x.name === name);
  if (!p) throw new Error(`no policy ${ns}/${name}`);
  return p;
};
const ports = (rules: any[] | undefined) =>
  (rules ?? []).flatMap((r) => r.ports.map((p: any) => p.port)).sort((a: number, b: number) => a - b);

describe("network policies", () => {
  it("deny everything in both directions by default in each namespace", () => {
    for (const ns of Object.values(NAMESPACES)) {
      expect(named(ns, "default-deny").spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      expect(named(ns, "allow-dns").spec.egress).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
      ]);
    }
  });

  it("admit the load balancer to the API port only, from inside the VPC", () => {
    const p = named(NAMESPACES.serving, "api-from-load-balancer").spec;
    expect(p.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "fraud-api" } });
    expect(p.ingress).toEqual([{ from: [{ ipBlock: { cidr: "10.50.0.0/16" } }], ports: [{ protocol: "TCP", port: PORTS.http }] }]);
  });

  it("admit only Prometheus from the monitoring namespace to the metrics port", () => {
    const p = named(NAMESPACES.serving, "metrics-from-prometheus").spec;
    expect(p.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
        ports: [{ protocol: "TCP", port: PORTS.metrics }],
      },
    ]);
  });

  it("let serving reach Redis, PostgreSQL and MSK inside the VPC, and on 443 only the endpoint subnets and S3's ranges", () => {
    const egress = named(NAMESPACES.serving, "serving-to-data-stores").spec.egress as any[];
    expect(egress[0].to).toEqual([{ ipBlock: { cidr: "10.50.0.0/16" } }]);
    expect(ports([egress[0]])).toEqual([DATA_STORE_PORTS.postgres, DATA_STORE_PORTS.redis, DATA_STORE_PORTS.mskIam].sort((a, b) => a - b));
    expect(egress[1]).toEqual({
      to: [...layout.private.slice(0, 2), ...S3].map((cidr) => ({ ipBlock: { cidr } })),
      ports: [{ protocol: "TCP", port: 443 }],
    });
  });

  it("let the trainer reach PostgreSQL and the same AWS API ranges, not Redis or Kafka", () => {
    const egress = named(NAMESPACES.training, "trainer-to-data-stores").spec.egress as any[];
    expect(ports(egress)).toEqual([443, 5432]);
    expect(egress[1]).toEqual(awsApisEgress(INPUTS));
  });

  it("never open 443 to the internet, nor to everything by an empty destination list", () => {
    for (const p of policies)
      for (const r of (p.spec.egress as any[]) ?? []) {
        expect(r.to === undefined || r.to.length > 0, `${p.namespace}/${p.name}`).toBe(true);
        for (const peer of r.to ?? []) expect(peer.ipBlock?.cidr ?? "").not.toMatch(/\/0$/);
      }
    expect(() => awsApisEgress({ endpointSubnetCidrs: [], s3Cidrs: S3 })).toThrow(/no interface endpoint subnet/);
    expect(() => awsApisEgress({ endpointSubnetCidrs: ["10.0.0.0/18"], s3Cidrs: ["0.0.0.0/0"] })).toThrow(/must not be open/);
    // Without S3's ranges (not yet known) the rule still names only the endpoint subnets.
    expect(awsApisEgress({ endpointSubnetCidrs: ["10.0.0.0/18"], s3Cidrs: [] }).to).toEqual([{ ipBlock: { cidr: "10.0.0.0/18" } }]);
  });

  it("fence the monitoring namespace: its own pods, the listed clients, and the control plane on the webhook port only", () => {
    const owned = networkPolicies({
      ...INPUTS,
      monitoringNamespace: "obs",
      monitoringClients: ["fraud-serving", "obs"],
      ownsMonitoringNamespace: true,
    }).filter((p) => p.namespace === "obs");
    expect(owned.map((p) => p.name)).toEqual(["default-deny", "allow-dns", "monitoring-clients"]);
    expect(owned[2].spec.egress).toEqual([{ to: [{ podSelector: {} }, { ipBlock: { cidr: "10.50.0.0/16" } }] }]);
    expect(owned[2].spec.ingress).toEqual([
      { from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "fraud-serving" } } }] },
      { from: layout.private.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: OPERATOR_WEBHOOK_PORT }] },
    ]);
    // No client listed: only its own pods (and the webhook).
    const alone = networkPolicies({ ...INPUTS, ownsMonitoringNamespace: true }).find((p) => p.name === "monitoring-clients")!;
    expect((alone.spec.ingress as any[])[0]).toEqual({ from: [{ podSelector: {} }] });
    expect(JSON.stringify(alone.spec.ingress)).not.toContain("10.50.0.0/16");
    expect(policies.some((p) => p.namespace === "monitoring")).toBe(false);
  });

  it("open no port that is not in this list", () => {
    const opened = new Set(
      policies
        .flatMap((p) => [...((p.spec.ingress as any[]) ?? []), ...((p.spec.egress as any[]) ?? [])])
        .flatMap((r) => r.ports.map((x: any) => x.port)),
    );
    expect([...opened].sort((a, b) => a - b)).toEqual([53, 443, 5432, 6379, PORTS.http, 9098, PORTS.metrics].sort((a, b) => a - b));
    const withMonitoring = networkPolicies({ ...INPUTS, ownsMonitoringNamespace: true });
    const all = new Set(
      withMonitoring
        .flatMap((p) => [...((p.spec.ingress as any[]) ?? []), ...((p.spec.egress as any[]) ?? [])])
        .flatMap((r) => (r.ports ?? []).map((x: any) => x.port)),
    );
    expect([...all].filter((port) => !opened.has(port))).toEqual([OPERATOR_WEBHOOK_PORT]);
  });

  it("let drift-retrain reach Prometheus' port and the API server only, and Prometheus admit it", () => {
    expect(policies.some((p) => p.name.startsWith("drift-retrain"))).toBe(false);
    const withRetrain = networkPolicies({ ...INPUTS, driftRetrain: true, ownsMonitoringNamespace: true });
    const p = withRetrain.find((x) => x.name === "drift-retrain-to-prometheus-and-api-server")!;
    expect(p.namespace).toBe(NAMESPACES.training);
    expect(p.spec.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "fraud-drift-retrain" } });
    expect(p.spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 9090 }],
      },
      { to: layout.private.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: "TCP", port: 443 }] },
    ]);
    const monitoring = withRetrain.find((x) => x.namespace === "monitoring" && x.name === "monitoring-clients")!;
    expect(monitoring.spec.ingress).toContainEqual({
      from: [
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": NAMESPACES.training } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "fraud-drift-retrain" } },
        },
      ],
      ports: [{ protocol: "TCP", port: 9090 }],
    });
  });
});
