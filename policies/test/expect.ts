// Assertions shared by the rule specs.
import { expect } from "vitest";
import { analyzeResource, mandatory, policiesOf, type EngineResource } from "./analyzer";

/** The resource passes every rule of the pack (no diagnostic at all, not even advisory). */
export async function expectClean(r: EngineResource, stack = "prod"): Promise<void> {
  expect(await analyzeResource(r, stack)).toEqual([]);
}

/** Exactly `policy` fires, mandatory, and its message carries the remediation hint. */
export async function expectOnly(r: EngineResource, policy: string, stack = "prod"): Promise<string> {
  const ds = await analyzeResource(r, stack);
  expect(policiesOf(mandatory(ds))).toEqual([policy]);
  expect(ds.filter((d) => d.level !== "mandatory")).toEqual([]);
  const message = ds[0]!.message;
  expect(message).toMatch(/Remediation: /);
  return message;
}
