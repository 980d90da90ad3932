// Matching resources to each other in stack rules ("this bucket has a public access block").
//
// During `pulumi up` the engine hands stack rules every resource's outputs, so a reference such as
// the `bucket` of a BucketPublicAccessBlock holds the bucket's name. During preview that value is
// often unknown (the bucket is not created yet); the engine then still records which resources a
// property was computed from (propertyDependencies), which answers the same question.
import type { PolicyResource } from "@pulumi/policy";
import { isUnknown, peek } from "./values";

/** Properties that identify a resource when another one refers to it by value. */
const IDENTITY_KEYS = ["id", "bucket", "arn", "name"] as const;

/** Does `from`'s property `prop` refer to `target`? `undefined` when it cannot be told yet (preview). */
export function refersTo(from: PolicyResource, prop: string, target: PolicyResource): boolean | undefined {
  const deps = from.propertyDependencies?.[prop];
  if (deps?.some((d) => d.urn === target.urn)) return true;
  const value = peek(from.props, prop);
  if (isUnknown(value)) return deps && deps.length > 0 ? false : undefined;
  if (typeof value !== "string" || value === "") return false;
  return IDENTITY_KEYS.some((k) => peek(target.props, k) === value);
}

/**
 * Among `candidates`, those whose `prop` refers to `target`. `undecided` is true when some candidate's
 * reference cannot be resolved yet, so a rule must not report "missing" on that evidence.
 */
export function referrers(candidates: PolicyResource[], prop: string, target: PolicyResource) {
  const found: PolicyResource[] = [];
  let undecided = false;
  for (const c of candidates) {
    const r = refersTo(c, prop, target);
    if (r === true) found.push(c);
    else if (r === undefined) undecided = true;
  }
  return { found, undecided };
}

export function ofTypes(resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
  return resources.filter((r) => types.includes(r.type));
}
