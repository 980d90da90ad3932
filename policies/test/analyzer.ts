// Drives the pack in-process through @pulumi/policy's own analyzer request handlers, with the
// analyzer protobuf messages the Pulumi engine sends. That path filters policies by type, applies
// enforcement levels and turns unknown values into "can't run during preview" advisories exactly
// as `pulumi preview --policy-pack` does, without starting a gRPC server per test.
import * as server from "@pulumi/policy/server";
import * as apb from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { policies } from "../rules";

/** A resource as the engine would report it: inputs for Analyze, outputs for AnalyzeStack. */
export interface EngineResource {
  type: string;
  name: string;
  /** Inputs (Analyze); also used as outputs for AnalyzeStack unless `outputs` is given. */
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** The URN; derived from stack, type and name when absent. */
  urn?: string;
  /** Parent resource (name or URN), for the stack view. */
  parent?: string;
  /** property -> names or URNs of the resources it was computed from (what the engine records). */
  propertyDependencies?: Record<string, string[]>;
}

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";

export interface Diagnostic {
  policy: string;
  level: Level;
  message: string;
  urn: string;
}

const PACK = "fraud-platform";
const VERSION = "0.1.0";
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"];

interface Handlers {
  makeAnalyzeRpcFun(name: string, version: string, level: string, ps: typeof policies): RpcFun;
  makeAnalyzeStackRpcFun(name: string, version: string, level: string, ps: typeof policies): RpcFun;
}
type RpcFun = (call: { request: unknown }, cb: (err: unknown, res?: apb.AnalyzeResponse) => void) => void;

// server.d.ts declares no exports (the module is internal to the package), hence the cast.
const handlers = server as unknown as Handlers;
const analyzeFn = handlers.makeAnalyzeRpcFun(PACK, VERSION, "mandatory", policies);
const analyzeStackFn = handlers.makeAnalyzeStackRpcFun(PACK, VERSION, "mandatory", policies);

export const urnOf = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::fraud-platform::${type}::${name}`;

/** `urn` fills in diagnostics of Analyze, which the engine attributes to the analyzed resource. */
function call(fn: RpcFun, request: unknown, urn = ""): Promise<Diagnostic[]> {
  return new Promise((resolve, reject) =>
    fn({ request }, (err, res) => {
      if (err || !res) return reject(err instanceof Error ? err : new Error(String((err as { details?: string })?.details ?? err)));
      resolve(
        res.getDiagnosticsList().map((d) => ({
          policy: d.getPolicyname(),
          level: LEVELS[d.getEnforcementlevel()] ?? "mandatory",
          message: d.getMessage(),
          urn: d.getUrn() || urn,
        })),
      );
    }),
  );
}

const struct = (v: Record<string, unknown>) => Struct.fromJavaScript(JSON.parse(JSON.stringify(v)) as never);

/** Analyze: one resource's inputs, as the engine does before creating or updating it. */
export function analyzeResource(r: EngineResource, stack = "prod"): Promise<Diagnostic[]> {
  const q = new apb.AnalyzeRequest();
  q.setType(r.type);
  q.setName(r.name);
  const urn = r.urn ?? urnOf(stack, r.type, r.name);
  q.setUrn(urn);
  q.setProperties(struct(r.inputs));
  q.setOptions(new apb.AnalyzerResourceOptions());
  return call(analyzeFn, q, urn);
}

/** AnalyzeStack: every resource's outputs at the end of the run. */
export function analyzeStack(resources: EngineResource[], stack = "prod"): Promise<Diagnostic[]> {
  const urns = new Map(resources.map((r) => [r.name, r.urn ?? urnOf(stack, r.type, r.name)]));
  const urnOfRef = (ref: string) => (ref.startsWith("urn:") ? ref : (urns.get(ref) ?? ref));
  const q = new apb.AnalyzeStackRequest();
  q.setResourcesList(
    resources.map((r) => {
      const a = new apb.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(r.urn ?? urns.get(r.name)!);
      a.setProperties(struct(r.outputs ?? r.inputs));
      a.setOptions(new apb.AnalyzerResourceOptions());
      if (r.parent) a.setParent(urnOfRef(r.parent));
      for (const [prop, names] of Object.entries(r.propertyDependencies ?? {})) {
        const deps = new apb.AnalyzerPropertyDependencies();
        deps.setUrnsList(names.map(urnOfRef));
        a.getPropertydependenciesMap().set(prop, deps);
      }
      return a;
    }),
  );
  return call(analyzeStackFn, q);
}

/** Analyze every resource, then the stack: the whole policy run of one `pulumi preview`/`up`. */
export async function analyzeAll(resources: EngineResource[], stack = "prod"): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  for (const r of resources) out.push(...(await analyzeResource(r, stack)));
  out.push(...(await analyzeStack(resources, stack)));
  return out;
}

export const mandatory = (ds: Diagnostic[]) => ds.filter((d) => d.level === "mandatory");
export const policiesOf = (ds: Diagnostic[]) => [...new Set(ds.map((d) => d.policy))].sort();
