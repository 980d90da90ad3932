/**
 * Container logs: the saved queries against the deploy contract's log fields (pure), and the whole
 * program under mocks for both stacks: one encrypted, retained log group per stack, the control
 * plane's under the same policy, the queries over it, Fluent Bit with its scoped IRSA role.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { LOG_FIELDS } from "../../app/src/config/deploy-contract";
import { byType, one, runStack, type StackRun } from "../testing/harness";
import { logShipperPolicy } from "./documents";
import { fluentBitValues, logShipperPolicies } from "./log-shipper";
import { savedQueries } from "./queries";

const runs: Partial<Record<"dev" | "prod", StackRun>> = {};
beforeAll(async () => {
  runs.dev = await runStack("dev");
  runs.prod = await runStack("prod");
}, 90_000);
const both = () =>
  [
    [runs.dev!, 14],
    [runs.prod!, 365],
  ] as const;

/** Logs Insights words that are not fields. */
const KEYWORDS = new Set([
  "fields",
  "filter",
  "stats",
  "sort",
  "limit",
  "by",
  "as",
  "and",
  "or",
  "not",
  "like",
  "desc",
  "asc",
  "count",
  "bin",
]);

/** The fields a query reads: identifiers outside string and regex literals, minus keywords, aliases, `@` fields, `kubernetes.*` and numbers. */
function fieldsOf(query: string): string[] {
  const stripped = query.replace(/"[^"]*"/g, '""').replace(/\/[^/]*\//g, "//");
  const aliases = [...stripped.matchAll(/\bas\s+([A-Za-z_]\w*)/g)].map((m) => m[1]);
  const words = [...stripped.matchAll(/(?<![@.\w])([A-Za-z_][\w.]*)/g)].map((m) => m[1]!);
  return words.filter(
    (w) => !KEYWORDS.has(w) && !aliases.includes(w) && !w.startsWith("kubernetes.") && !/^\d/.test(w) && !/^\d+m$/.test(w),
  );
}

describe("saved queries", () => {
  const queries = savedQueries({ slowRequestMs: 250 });

  it("answer errors by route, degraded decisions, slow requests, unwritten decisions and one transaction", () => {
    expect(queries.map((q) => q.id)).toEqual([
      "errors-by-route",
      "degraded-decisions",
      "slow-requests",
      "unwritten-decisions",
      "one-transaction",
    ]);
  });

  it("read only fields the app writes (the deploy contract's LOG_FIELDS)", () => {
    const known = new Set<string>(Object.values(LOG_FIELDS));
    for (const q of queries) {
      const fields = fieldsOf(q.query);
      expect(fields.length, q.id).toBeGreaterThan(0);
      for (const f of fields) expect(known.has(f), `${q.id}: ${f}`).toBe(true);
    }
    // the parser itself sees a field that is not in the contract
    expect(fieldsOf("fields @timestamp, latencyMs | filter status >= 500 | stats count(*) as n by route")).toEqual([
      "latencyMs",
      "status",
      "route",
    ]);
  });

  it("slow requests use the threshold given (the p99 alert's)", () => {
    expect(savedQueries({ slowRequestMs: 400 }).find((q) => q.id === "slow-requests")!.query).toContain(`${LOG_FIELDS.durationMs} >= 400`);
  });
});

describe("log group, queries and shipper role (both stacks)", () => {
  it("one container log group per stack, KMS-encrypted with the logs key, the stack's retention (prod >= 30 days)", () => {
    for (const [run, days] of both()) {
      const g = one(run, "aws:cloudwatch/logGroup:LogGroup", "logs-containers").inputs;
      expect(g).toEqual({
        name: `/aws/eks/fraud-platform-${run.stack}/containers`,
        retentionInDays: days,
        kmsKeyId: one(run, "aws:kms/key:Key", "keys-logs").state.arn,
      });
      if (run.stack === "prod") expect(g.retentionInDays).toBeGreaterThanOrEqual(30);
    }
  });

  it("the control plane's log group is created before the cluster, under the same retention and key", () => {
    for (const [run, days] of both()) {
      const g = one(run, "aws:cloudwatch/logGroup:LogGroup", "eks-control-plane");
      expect(g.inputs).toMatchObject({
        name: `/aws/eks/fraud-platform-${run.stack}/cluster`,
        retentionInDays: days,
        kmsKeyId: one(run, "aws:kms/key:Key", "keys-logs").state.arn,
      });
      expect(one(run, "eks:index:Cluster").dependencies).toContain(g.urn);
    }
  });

  it("the logs key's policy admits CloudWatch Logs of this account and region only", () => {
    const key = one(runs.prod!, "aws:kms/key:Key", "keys-logs").inputs;
    const service = JSON.parse(key.policy).Statement.find((s: any) => s.Principal?.Service);
    expect(service.Principal.Service).toBe("logs.us-east-1.amazonaws.com");
    expect(service.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toMatch(/^arn:aws:logs:us-east-1:\d{12}:log-group:\*$/);
  });

  it("saved queries run over the container log group, named under the stack's folder", () => {
    for (const [run] of both()) {
      const group = one(run, "aws:cloudwatch/logGroup:LogGroup", "logs-containers").inputs.name;
      const defs = byType(run, "aws:cloudwatch/queryDefinition:QueryDefinition");
      expect(defs.map((d) => d.inputs.name)).toEqual(
        savedQueries({ slowRequestMs: 250 }).map((q) => `fraud-platform-${run.stack}/${q.id}`),
      );
      for (const d of defs) expect(d.inputs.logGroupNames).toEqual([group]);
    }
  });

  it("Fluent Bit's role: trusted by logging/fluent-bit only, writes streams of that group only", () => {
    const run = runs.prod!;
    const group = one(run, "aws:cloudwatch/logGroup:LogGroup", "logs-containers").state;
    const role = one(run, "aws:iam/role:Role", "logs-shipper-role").inputs;
    const trust = JSON.parse(role.assumeRolePolicy).Statement[0];
    expect(Object.values(trust.Condition.StringEquals)).toContain("system:serviceaccount:logging:fluent-bit");
    expect(JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "logs-shipper-policy").inputs.policy)).toEqual(logShipperPolicy(group.arn));
    expect(logShipperPolicy("arn:aws:logs:us-east-1:1:log-group:g:*").Statement[0]!.Resource).toEqual([
      "arn:aws:logs:us-east-1:1:log-group:g",
      "arn:aws:logs:us-east-1:1:log-group:g:log-stream:*",
    ]);
  });

  it("a CloudWatch Logs interface endpoint: the shipper's traffic stays in the VPC", () => {
    for (const [run] of both())
      expect(byType(run, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.inputs.serviceName)).toContain("com.amazonaws.us-east-1.logs");
  });
});

describe("Fluent Bit on the cluster (both stacks)", () => {
  it("the chart ships every container to the stack's group, fields merged at the top level, with the IRSA role", () => {
    for (const [run] of both()) {
      const release = one(run, "kubernetes:helm.sh/v3:Release", "workloads-logs-fluent-bit").inputs;
      expect(release).toMatchObject({
        chart: "aws-for-fluent-bit",
        namespace: "logging",
        repositoryOpts: { repo: "https://aws.github.io/eks-charts" },
      });
      expect(release.version).toMatch(/^\d+\.\d+\.\d+$/);
      const expected = fluentBitValues({
        region: "us-east-1",
        logGroupName: `/aws/eks/fraud-platform-${run.stack}/containers`,
        roleArn: one(run, "aws:iam/role:Role", "logs-shipper-role").state.arn,
      });
      expect(release.values).toEqual(expected);
      expect(release.values.filter).toMatchObject({ mergeLog: "On", mergeLogKey: "", keepLog: "Off" });
      expect(release.values.cloudWatchLogs).toMatchObject({ enabled: true, autoCreateGroup: false, logGroupTemplate: "" });
    }
  });

  it("the logging namespace is closed, then DNS and HTTPS to the private subnets only", () => {
    const run = runs.prod!;
    const ns = byType(run, "kubernetes:core/v1:Namespace").find((n) => n.inputs.metadata.name === "logging")!;
    expect(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const policies = byType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").filter((p) => p.inputs.metadata.namespace === "logging");
    expect(policies.map((p) => p.inputs.metadata.name).sort()).toEqual([
      "allow-dns",
      "default-deny",
      "fluent-bit-to-aws-and-kubernetes-api",
    ]);
    const egress = policies.find((p) => p.inputs.metadata.name === "fluent-bit-to-aws-and-kubernetes-api")!.inputs.spec.egress;
    expect(egress).toEqual([{ to: expect.any(Array), ports: [{ protocol: "TCP", port: 443 }] }]);
    for (const t of egress[0].to) expect(t.ipBlock.cidr).toMatch(/^10\.50\.\d+\.\d+\/\d+$/);
    expect(() => logShipperPolicies([])).toThrow(/no private subnet/);
  });
});
