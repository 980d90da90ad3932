/**
 * `npm run plan -- --stack prod [--json] [--preview]`: evaluates the program offline (mocks, no
 * credentials) for a stack's config file and prints every resource that would be created.
 *
 * --json prints an array of `{ type, name, urn, parent, inputs }` (parent: the parent's URN;
 * inputs as sent to the provider, secrets replaced by "[secret]"). The text form groups the
 * resources under their components with their key inputs.
 */
import { runStack, type RecordedResource, type StackName } from "./testing/harness";

export interface PlanEntry {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly parent: string | undefined;
  readonly inputs: Record<string, unknown>;
}

export function planEntries(resources: readonly RecordedResource[]): PlanEntry[] {
  return resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, parent: r.parent, inputs: r.inputs }));
}

/** One line of key inputs: scalars and short lists, long values shortened, tags left out. */
function summary(inputs: Record<string, unknown>, width = 160): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(inputs)) {
    if (k === "tags" || k === "__defaults" || v === undefined) continue;
    let text = typeof v === "string" ? v : JSON.stringify(v);
    if (text.length > 60) text = `${text.slice(0, 57)}...`;
    parts.push(`${k}=${text}`);
  }
  const line = parts.join(" ");
  return line.length > width ? `${line.slice(0, width - 3)}...` : line;
}

/** The resources as a tree under their components. */
export function planText(stack: string, resources: readonly RecordedResource[]): string {
  const children = new Map<string | undefined, RecordedResource[]>();
  const urns = new Set(resources.map((r) => r.urn));
  for (const r of resources) {
    const parent = r.parent && urns.has(r.parent) ? r.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const r of children.get(parent) ?? []) {
      const pad = "  ".repeat(depth);
      if (!r.custom && !r.remote) lines.push(`${pad}${r.type} ${r.name}  (${countUnder(r.urn)} resources)`);
      else lines.push(`${pad}+ ${r.type} ${r.name}\n${pad}    ${summary(r.inputs)}`);
      walk(r.urn, depth + 1);
    }
  };
  const countUnder = (urn: string): number => (children.get(urn) ?? []).reduce((n, c) => n + (c.custom || c.remote ? 1 : 0) + countUnder(c.urn), 0);
  walk(undefined, 0);
  const custom = resources.filter((r) => r.custom || r.remote).length;
  return `Plan for stack ${stack}: ${custom} resources in ${resources.length - custom} components (offline: mocked provider outputs)\n\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const stack = arg("--stack") ?? "dev";
  if (stack !== "dev" && stack !== "prod") throw new Error(`--stack ${stack}: expected dev or prod (a Pulumi.<stack>.yaml of this repository)`);
  const run = await runStack(stack as StackName, { preview: argv.includes("--preview") });
  process.stdout.write(argv.includes("--json") ? `${JSON.stringify(planEntries(run.resources), null, 2)}\n` : planText(stack, run.resources));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
