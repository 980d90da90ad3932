/**
 * Every S3 bucket refuses requests that do not use TLS.
 * @severity high · @topics encryption, data-in-transit · @frameworks CIS AWS 2.1.2, PCI DSS 4.1
 */
import type { StackProblem, StackRule } from "../../lib/policy";
import { ofTypes, referrers } from "../../lib/references";
import { isUnknown, peek } from "../../lib/values";
import { BUCKET_TYPES } from "./types";

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** A Deny for every principal and every S3 action when aws:SecureTransport is false. */
export function deniesInsecureTransport(policy: unknown): boolean {
  let doc: { Statement?: unknown };
  try {
    // Inputs may hold the document as a JSON string or, from a typed PolicyDocument, as an object.
    doc = (typeof policy === "string" ? JSON.parse(policy) : policy) as { Statement?: unknown };
  } catch {
    return false;
  }
  if (!doc || typeof doc !== "object") return false;
  return asList(doc.Statement).some((s) => {
    const st = s as Record<string, unknown>;
    if (st.Effect !== "Deny") return false;
    const principal = st.Principal as unknown;
    const everyone = principal === "*" || asList((principal as Record<string, unknown> | undefined)?.AWS).includes("*");
    const actions = asList(st.Action);
    const allActions = actions.includes("*") || actions.includes("s3:*");
    const cond = (st.Condition as Record<string, Record<string, unknown>> | undefined)?.Bool?.["aws:SecureTransport"];
    const insecure = asList(cond).some((v) => v === false || v === "false");
    return everyone && allActions && insecure;
  });
}

export const s3TlsOnly: StackRule = {
  name: "aws-s3-tls-only",
  description: "Every S3 bucket has a bucket policy that denies requests made without TLS.",
  remediation:
    'add an aws.s3.BucketPolicy with a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket ARN, bucket ARN + "/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
  severity: "high",
  check: (resources) => {
    const policies = ofTypes(resources, ["aws:s3/bucketPolicy:BucketPolicy"]);
    const problems: StackProblem[] = [];
    for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
      const { found, undecided } = referrers(policies, "bucket", bucket);
      if (found.length === 0) {
        if (!undecided) problems.push({ urn: bucket.urn, message: `bucket ${bucket.name} has no bucket policy.` });
        continue;
      }
      const docs = found.map((p) => peek(p.props, "policy"));
      // A policy document built from unknown ARNs is judged at `pulumi up`, not in preview.
      if (docs.some((d) => isUnknown(d))) continue;
      if (!docs.some(deniesInsecureTransport)) {
        problems.push({ urn: bucket.urn, message: `bucket ${bucket.name}'s policy does not deny aws:SecureTransport = false.` });
      }
    }
    return problems;
  },
};
