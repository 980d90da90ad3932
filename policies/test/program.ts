// The fraud-platform program, run offline by the infra harness, as the policy engine sees it.
import { runStack, UNKNOWN as HARNESS_UNKNOWN, type RecordedResource, type StackName } from "../../infra/testing/harness";
import { UNKNOWN } from "../lib/values";
import type { EngineResource } from "./analyzer";

/** The harness marks unknowns readably; the analyzer needs the wire sentinel back. */
function toWire(value: unknown): unknown {
  if (value === HARNESS_UNKNOWN) return UNKNOWN;
  if (Array.isArray(value)) return value.map(toWire);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
  return value;
}

function toEngine(r: RecordedResource): EngineResource {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    parent: r.parent,
    inputs: toWire(r.inputs) as Record<string, unknown>,
    outputs: toWire(r.state) as Record<string, unknown>,
  };
}

/** The program's resources for `stack`, as `pulumi up` (or `pulumi preview`) registers them. */
export async function programResources(stack: StackName, preview = false): Promise<EngineResource[]> {
  const run = await runStack(stack, { preview });
  return run.resources.map(toEngine);
}
