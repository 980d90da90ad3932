// Assertions shared by the rule specs.
import { expect } from "vitest";
import { analyzeResource, mandatory, policiesOf, type EngineResource } from "./analyzer";

/** The resource passes every rule of the pack (no diagnostic at all, not even advisory). */
export async function expectClean(r: EngineResource, stack = "prod"): Promise<void> {
  expect(await analyzeResource(r, stack)).toEqual([]);
}

/**
 * Exactly `policy` fires, mandatory, and its message carries the remediation hint (and matches
 * `message` when given).
 */
export async function expectOnly(r: EngineResource, policy: string, message?: RegExp | string): Promise<void> {
  const ds = await analyzeResource(r, "prod");
  expect(policiesOf(mandatory(ds))).toEqual([policy]);
  expect(ds.filter((d) => d.level !== "mandatory")).toEqual([]);
  expect(ds[0]!.message).toMatch(/Remediation: /);
  if (message !== undefined) expect(ds[0]!.message).toMatch(message);
}
