// Runs a small Pulumi program under mocks and returns what it registered, for the bad-program spec.
// (The fraud-platform program itself goes through the infra harness: test/program.ts.)
import * as pulumi from "@pulumi/pulumi";
import type { EngineResource } from "./analyzer";

export async function recordProgram(program: () => void, stack: string): Promise<EngineResource[]> {
  const resources: EngineResource[] = [];
  pulumi.runtime.setAllConfig({ "aws:region": "eu-west-1" });
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => {
        resources.push({ type: a.type, name: a.name, inputs: a.inputs as Record<string, unknown> });
        const metadata = a.type.startsWith("kubernetes:") ? { metadata: { name: a.name, ...(a.inputs.metadata ?? {}) } } : {};
        return { id: `${a.name}-id`, state: { ...a.inputs, ...metadata } };
      },
      call: () => ({}),
    },
    "fraud-platform",
    stack,
  );
  await pulumi.runtime.runInPulumiStack(async () => program());
  await pulumi.runtime.disconnect();
  return resources;
}
