// The whole fraud-platform program, dev and prod, `up` and `preview`, through the pack.
import { describe, expect, it } from "vitest";
import { resourceRules } from "../rules";
import { analyzeAll, mandatory, policiesOf, type Diagnostic } from "./analyzer";
import { programResources } from "./program";

const PREVIEW_ADVISORY = /can't run policy .* during preview/;
const productionRules = resourceRules.filter((r) => r.production).map((r) => r.name);

/** Resource rules that had something of their type to look at: a pass is only worth what it checked. */
async function exercised(stack: "dev" | "prod"): Promise<string[]> {
  const types = new Set((await programResources(stack)).map((r) => r.type));
  return resourceRules
    .filter((r) => r.types.some((t) => types.has(t)))
    .map((r) => r.name)
    .sort();
}

const show = (ds: Diagnostic[]) =>
  ds.map((d) => `${d.level} ${d.policy} ${d.urn.split("::").pop()}: ${d.message.split("\n").pop()}`).join("\n");

describe("the fraud-platform program", () => {
  it("prod passes every rule, with no advisory either", async () => {
    const ds = await analyzeAll(await programResources("prod"), "prod");
    expect(show(ds)).toBe("");
  }, 60_000);

  it("dev passes every mandatory rule; only production rules advise", async () => {
    const ds = await analyzeAll(await programResources("dev"), "dev");
    expect(show(mandatory(ds))).toBe("");
    for (const p of policiesOf(ds)) expect(productionRules).toContain(p);
  }, 60_000);

  it.each(["dev", "prod"] as const)(
    "%s preview (unknown outputs) raises no violation",
    async (stack) => {
      const ds = await analyzeAll(await programResources(stack, true), stack);
      expect(show(mandatory(ds))).toBe("");
      const advisories = ds.filter((d) => !PREVIEW_ADVISORY.test(d.message) && !productionRules.includes(d.policy));
      expect(show(advisories)).toBe("");
    },
    60_000,
  );

  it("the rules had the program's data stores, cluster, keys, registry and workloads to check", async () => {
    const seen = await exercised("prod");
    for (const rule of [
      "aws-rds-storage-encrypted",
      "aws-rds-not-public",
      "aws-rds-multi-az",
      "aws-rds-deletion-protection",
      "aws-rds-backup-retention",
      "aws-msk-encryption-at-rest",
      "aws-msk-encryption-in-transit",
      "aws-elasticache-encryption-at-rest",
      "aws-elasticache-encryption-in-transit",
      "aws-eks-secrets-encryption",
      "aws-eks-private-endpoint",
      "aws-eks-control-plane-logging",
      "aws-eks-node-imdsv2",
      "aws-ec2-imdsv2",
      "aws-secretsmanager-kms",
      "aws-ecr-scan-on-push",
      "aws-ecr-immutable-tags",
      "aws-ec2-no-open-ingress",
      "kubernetes-container-resources",
      "kubernetes-run-as-non-root",
      "kubernetes-image-pinned",
      "kubernetes-probes",
      "kubernetes-hpa-min-replicas",
      "aws-iam-no-wildcards",
      "aws-msk-client-authentication",
      "aws-elasticache-redis-auth",
      "aws-s3-public-access-block-settings",
      "kubernetes-ingress-tls",
    ])
      expect(seen).toContain(rule);
    // ...and the stack rules had Deployments and Namespaces to match.
    const types = new Set((await programResources("prod")).map((r) => r.type));
    for (const t of ["kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Namespace", "aws:s3/bucket:Bucket"]) expect(types).toContain(t);
  }, 60_000);
});
