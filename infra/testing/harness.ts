/**
 * The offline harness: runs the whole Pulumi program for one stack under `pulumi.runtime.setMocks`
 * and returns every resource it registered. Used by the infra tests, the workloads tests, the
 * policy tests and `npm run plan`. No CLI, no provider plugins, no cloud.
 *
 * How to use it:
 *
 *     import { runStack, byType } from "../testing/harness";
 *     const run = await runStack("prod");                       // Pulumi.prod.yaml
 *     const [db] = byType(run, "aws:rds/instance:Instance");
 *     expect(db.inputs.storageEncrypted).toBe(true);
 *     expect(run.outputs.kubeconfig).toBe(SECRET);              // secrets are redacted
 *     await runStack("dev", { configOverrides: { "fraud-platform:database": '{"..."}' } });
 *
 * What it does, per run: reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` (structured values become
 * JSON strings, as the CLI passes them; `configOverrides` replace whole keys), sets the config,
 * installs mocks whose outputs look like AWS's (fake-state.ts), wraps the mock monitor to record
 * each registration with its parent and provider, calls `program` (stacks/program.ts) inside a root
 * `pulumi:pulumi:Stack` exactly as the language host does, and awaits `disconnect()` so every
 * registration is in. Invokes the mocks do not know are collected and fail the run after it ends
 * (throwing inside the mock would lose the message and hang outputs).
 *
 * Rules:
 * - Runs are serialized here (a promise chain): concurrent runs would mix their resources.
 * - The program is a function, so the same module runs again for each stack in one process.
 * - `inputs`/`state` are the raw wire values, normalized: secrets are replaced by `SECRET`
 *   ("[secret]") on purpose, so nothing generated leaks into test output or the plan and a test can
 *   assert that a value was marked secret; unknowns (preview) by `UNKNOWN`; resource references
 *   by their URN.
 * - A program error (e.g. a ConfigError) rejects `runStack` with that error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { program } from "../../stacks/program";
import { ACCOUNT, fakeState, previewState, SECRET_OUTPUTS } from "./fake-state";

export const SECRET = "[secret]";
export const UNKNOWN = "[unknown]";
export const ROOT = path.resolve(__dirname, "..", "..");

export type StackName = "dev" | "prod";

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The physical id the mock assigned (empty for components). */
  readonly id: string;
  /** URN of the parent; the root stack resource for top-level components. */
  readonly parent?: string;
  /** Provider reference (`urn::id`) when one was passed explicitly. */
  readonly provider?: string;
  readonly custom: boolean;
  /** URNs of the resources this one depends on (explicit `dependsOn` and those its inputs came from). */
  readonly dependencies: readonly string[];
  /** True for remote components such as `eks:index:Cluster`: they have no children under mocks. */
  readonly remote: boolean;
  readonly inputs: Record<string, any>;
  /** What the mock returned: inputs plus computed outputs (ids, ARNs, endpoints). */
  readonly state: Record<string, any>;
  /** For components: the values passed to `registerOutputs`. */
  outputs?: Record<string, any>;
}

export interface StackRun {
  readonly stack: StackName;
  readonly preview: boolean;
  /** Every registered resource except the root stack, in registration order. */
  readonly resources: readonly RecordedResource[];
  /** The stack outputs (secrets redacted). */
  readonly outputs: Record<string, any>;
}

export interface RunOptions {
  /** Run as `pulumi preview` does: ids and computed outputs are unknown (fake-state.ts `previewState`). */
  readonly preview?: boolean;
  /** Full config keys (`fraud-platform:cluster`, `aws:region`) replaced with these raw values. */
  readonly configOverrides?: Readonly<Record<string, string>>;
  /** Config keys removed before the run (to test missing settings). */
  readonly configRemovals?: readonly string[];
}

/** Invokes the program may call, with plausible answers. Anything else fails the run. */
function invoke(token: string, args: Record<string, any>, region: string): Record<string, any> | undefined {
  switch (token) {
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: ["a", "b", "c", "d", "f"].map((z) => `${region}${z}`),
        zoneIds: ["use1-az1", "use1-az2", "use1-az4", "use1-az6", "use1-az5"],
        id: region,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: "AIDAEXAMPLE", id: ACCOUNT };
    case "aws:index/getRegion:getRegion":
      return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        authorizationToken: "QVdTOmZha2U=",
        userName: "AWS",
        password: "fake-ecr-password",
        proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${region}.amazonaws.com`,
        expiresAt: "2099-01-01T00:00:00Z",
        id: region,
      };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    default:
      void args;
      return undefined;
  }
}

/** Reads the project name and the stack's config as the CLI would hand it to the program. */
export function stackConfig(
  stack: StackName,
  overrides: Readonly<Record<string, string>> = {},
): { project: string; config: Record<string, string>; secretKeys: string[] } {
  const project = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")).name as string;
  const file = YAML.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(file.config ?? {})) {
    const key = k.includes(":") ? k : `${project}:${k}`;
    if (v && typeof v === "object" && "secure" in v) {
      config[key] = "harness-secret";
      secretKeys.push(key);
    } else config[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { project, config: { ...config, ...overrides }, secretKeys };
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs the program for `stack` (serialized with any other run in this process). */
export function runStack(stack: StackName, opts: RunOptions = {}): Promise<StackRun> {
  const run = queue.then(() => runOnce(stack, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function runOnce(stack: StackName, opts: RunOptions): Promise<StackRun> {
  const { project, config, secretKeys } = stackConfig(stack, opts.configOverrides);
  for (const key of opts.configRemovals ?? []) delete config[key];
  const region = config["aws:region"] ?? "us-east-1";
  const preview = opts.preview ?? false;
  const unmocked = new Set<string>();

  pulumi.runtime.setAllConfig(config, secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource: (a) => (preview ? previewState : fakeState)({ type: a.type, name: a.name, inputs: a.inputs, region }),
      call: (a) => {
        const result = invoke(a.token, a.inputs, region);
        if (result) return result;
        unmocked.add(a.token);
        return {};
      },
    },
    project,
    stack,
    preview,
  );

  const resources: RecordedResource[] = [];
  const byUrn = new Map<string, RecordedResource>();
  let outputs: Record<string, any> = {};
  // `newResource` sees neither the parent nor the URN: record at the monitor instead.
  const monitor = pulumi.runtime.getMonitor() as any;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) =>
    register(req, (err: any, resp: any) => {
      if (!err) {
        const rec: RecordedResource = {
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          id: resp.getId(),
          parent: req.getParent() || undefined,
          provider: req.getProvider() || undefined,
          custom: req.getCustom(),
          dependencies: req.getDependenciesList(),
          remote: req.getRemote(),
          inputs: normalize(req.getObject()?.toJavaScript() ?? {}),
          state: redact(req.getType(), normalize(resp.getObject()?.toJavaScript() ?? {})),
        };
        resources.push(rec);
        byUrn.set(rec.urn, rec);
      }
      callback(err, resp);
    });
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: (err: any, resp: any) => void) => {
    const values = normalize(req.getOutputs()?.toJavaScript() ?? {});
    const rec = byUrn.get(req.getUrn());
    if (rec) rec.outputs = values;
    if (rec?.type === "pulumi:pulumi:Stack") outputs = values;
    return registerOutputs(req, callback);
  };

  let failure: unknown;
  // A program error is caught inside the stack's init: rethrown from there it would also reject the
  // stack resource's internal promises, which nobody awaits (unhandled rejections in the runner).
  const init = async () => {
    try {
      return await program();
    } catch (e) {
      failure = e;
      return {};
    }
  };
  try {
    await pulumi.runtime.runInPulumiStack(init);
  } catch (e) {
    failure ??= e;
  }
  await pulumi.runtime.disconnect();
  if (failure) throw failure;
  if (unmocked.size > 0) throw new Error(`the program called invokes the harness does not mock: ${[...unmocked].join(", ")}`);
  return { stack, preview, resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs };
}

/** Turns wire values into plain data: secrets and unknowns become markers, references URNs. */
export function normalize(value: any): any {
  const rpc = pulumi.runtime;
  if (value === rpc.unknownValue) return UNKNOWN;
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === "object") {
    const sig = value[rpc.specialSigKey];
    if (sig === rpc.specialSecretSig) return SECRET;
    if (sig === rpc.specialResourceSig) return value.urn;
    if (sig === rpc.specialOutputValueSig)
      return "secret" in value && value.secret ? SECRET : "value" in value ? normalize(value.value) : UNKNOWN;
    if (sig !== undefined) return `[${String(sig).slice(0, 8)}]`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

function redact(type: string, state: Record<string, any>): Record<string, any> {
  const keys = SECRET_OUTPUTS[type] ?? [];
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, keys.includes(k) ? SECRET : v]));
}

// ── query helpers for tests ─────────────────────────────────────────────────────────────────────

/** Every recorded resource of `type`. */
export function byType(run: StackRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

/** The single resource of `type` whose name ends with `suffix`; throws if none or several. */
export function one(run: StackRun, type: string, suffix = ""): RecordedResource {
  const found = byType(run, type).filter((r) => r.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one ${type} named *${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}

/** Direct children of a resource. */
export function childrenOf(run: StackRun, parent: RecordedResource): RecordedResource[] {
  return run.resources.filter((r) => r.parent === parent.urn);
}

/** The resource with this URN, or undefined. */
export function byUrn(run: StackRun, urn: string | undefined): RecordedResource | undefined {
  return run.resources.find((r) => r.urn === urn);
}
