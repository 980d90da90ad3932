// A deliberately bad program is rejected, with the violations a reviewer would expect.
import { describe, expect, it } from "vitest";
import { analyzeAll, mandatory, type Diagnostic } from "./analyzer";
import { badProgram } from "./fixtures/bad-program";
import { recordProgram } from "./record";

const pairs = (ds: Diagnostic[]) => [...new Set(ds.map((d) => `${d.urn.split("::").pop()} ${d.policy}`))].sort();

const BASELINE = [
  "admin-policy aws-iam-no-wildcards",
  "default-key-secret aws-secretsmanager-kms",
  "imdsv1-nodes aws-ec2-imdsv2",
  "mutable-repo aws-ecr-immutable-tags",
  "mutable-repo aws-ecr-scan-on-push",
  "naked-bucket aws-s3-bucket-sse-kms",
  "naked-bucket aws-s3-public-access-block",
  "naked-bucket aws-s3-tls-only",
  "open-ns kubernetes-namespace-default-deny",
  "open-sg aws-ec2-no-open-ingress",
  "plain-http kubernetes-ingress-tls",
  "plaintext-cache aws-elasticache-encryption-at-rest",
  "plaintext-cache aws-elasticache-encryption-in-transit",
  "plaintext-cache aws-elasticache-redis-auth",
  "plaintext-kafka aws-msk-client-authentication",
  "plaintext-kafka aws-msk-encryption-at-rest",
  "plaintext-kafka aws-msk-encryption-in-transit",
  "public-db aws-rds-not-public",
  "public-db aws-rds-storage-encrypted",
  "root-app kubernetes-container-resources",
  "root-app kubernetes-deployment-hpa",
  "root-app kubernetes-deployment-pdb",
  "root-app kubernetes-drop-all-capabilities",
  "root-app kubernetes-image-pinned",
  "root-app kubernetes-no-privilege-escalation",
  "root-app kubernetes-not-privileged",
  "root-app kubernetes-probes",
  "root-app kubernetes-read-only-root-filesystem",
  "root-app kubernetes-run-as-non-root",
  "weak-pab aws-s3-public-access-block-settings",
];
const PRODUCTION = ["public-db aws-rds-backup-retention", "public-db aws-rds-deletion-protection", "public-db aws-rds-multi-az"];

describe("a deliberately bad program", () => {
  it("is rejected in prod with every expected violation, all mandatory", async () => {
    const ds = await analyzeAll(await recordProgram(badProgram, "prod"), "prod");
    expect(pairs(mandatory(ds))).toEqual([...BASELINE, ...PRODUCTION].sort());
    expect(ds.filter((d) => d.level !== "mandatory")).toEqual([]);
    for (const d of ds) expect(d.message).toMatch(/Remediation: /);
  }, 30_000);
});
