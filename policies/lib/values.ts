// Reading resource properties the way the engine hands them to the pack.
//
// The analyzer wraps a resource's properties in a proxy that throws when a rule reads a value that
// is unknown during `pulumi preview` (an output of a resource not created yet); the policy server
// turns that throw into a "can't run during preview" advisory instead of a violation. That is the
// safe default and most rules rely on it: read properties normally. `peek` is for the few checks
// where an unknown value still answers the question: a KMS key ARN that is unknown is nevertheless
// *set*, so "is a key configured?" is yes.

/** The engine's wire sentinel for an unknown value (`UNKNOWN` in the Pulumi RPC protocol). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Reads `o[key]` without tripping the unknown-checking proxy (no `get` trap is involved). */
export function peek(o: unknown, key: string): unknown {
  if (o === null || typeof o !== "object") return undefined;
  return Object.getOwnPropertyDescriptor(o, key)?.value;
}

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

/** True when the property is present: a known non-empty value, or an unknown one (set, value pending). */
export function isSet(o: unknown, key: string): boolean {
  const v = peek(o, key);
  return isUnknown(v) || (v !== undefined && v !== null && v !== "");
}

/** Optional arrays read as empty when absent. Read them through the proxy so unknown throws first. */
export function list<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Optional nested blocks read as empty when absent. Read them through the proxy so unknown throws first. */
export function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
