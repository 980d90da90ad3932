/**
 * `npm run plan -- --stack prod [--json] [--preview]`: evaluates the program offline (mocks, no
 * credentials) for a stack's config file and prints every resource that would be created.
 *
 * --json prints an array of `{ type, name, urn, parent, inputs }` (parent: the parent's URN;
 * inputs as sent to the provider, secrets replaced by "[secret]"). The text form groups the
 * resources under their components with their key inputs.
 */
import { parseArgs } from "node:util";
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
export function planText(stack: string, resources: readonly RecordedResource[], preview = false): string {
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
  const countUnder = (urn: string): number =>
    (children.get(urn) ?? []).reduce((n, c) => n + (c.custom || c.remote ? 1 : 0) + countUnder(c.urn), 0);
  walk(undefined, 0);
  const custom = resources.filter((r) => r.custom || r.remote).length;
  const mode = preview ? "offline preview: ids and computed outputs [unknown]" : "offline: mocked provider outputs";
  return `Plan for stack ${stack}: ${custom} resources in ${resources.length - custom} components (${mode})\n\n${lines.join("\n")}\n`;
}

export const PLAN_USAGE = `usage: npm run plan -- [--stack dev|prod] [--json] [--preview]
  Evaluates the program offline (mocked provider outputs, no credentials) for Pulumi.<stack>.yaml
  and prints every resource that would be created, grouped under its components.
  --stack    dev (default) or prod
  --json     an array of { type, name, urn, parent, inputs } instead of the text form
             (run it as \`npm run --silent plan -- --json\`: without --silent npm prints a banner first)
  --preview  evaluate as \`pulumi preview\` does: ids and outputs computed by AWS are not known
             yet and show as "[unknown]" (names the providers generate are known)
  --help     this text`;

export type PlanArgs =
  { readonly help: true } | { readonly help: false; readonly stack: StackName; readonly json: boolean; readonly preview: boolean };

export class PlanUsageError extends Error {}

/** Strict: an unknown flag is an error, not a silently planned dev stack. */
export function parsePlanArgs(argv: readonly string[]): PlanArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        json: { type: "boolean" },
        preview: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new PlanUsageError((err as Error).message);
  }
  if (values.help) return { help: true };
  const stack = values.stack ?? "dev";
  if (stack !== "dev" && stack !== "prod")
    throw new PlanUsageError(`--stack ${stack}: expected dev or prod (a Pulumi.<stack>.yaml of this repository)`);
  return { help: false, stack, json: values.json === true, preview: values.preview === true };
}

async function main(argv: string[]): Promise<void> {
  const args = parsePlanArgs(argv);
  if (args.help) {
    process.stdout.write(`${PLAN_USAGE}\n`);
    return;
  }
  const run = await runStack(args.stack, { preview: args.preview });
  process.stdout.write(
    args.json ? `${JSON.stringify(planEntries(run.resources), null, 2)}\n` : planText(args.stack, run.resources, args.preview),
  );
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    if (e instanceof PlanUsageError) {
      process.stderr.write(`plan: ${e.message}\n${PLAN_USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`plan: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
