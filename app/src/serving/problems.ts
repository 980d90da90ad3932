/**
 * Validation problems as the API reports them: `{path, message}`, the path in `transactions[3].amount`
 * form, the message naming what was expected and what came (bounded: a client's value is cut).
 * Ajv's errors (one per failing schema keyword) are turned into these here, worded by the schema's
 * `x-messages` annotation where it has one (serving/schemas.ts).
 */
import type { ErrorObject } from "ajv";

export interface FieldProblem {
  /** JSON path of the offending value, e.g. `transactions[3].amount`. */
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends Error {
  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; "));
    this.name = "ValidationError";
  }
}

/** At most this many problems are reported per request; the rest would only be noise. */
export const MAX_PROBLEMS = 20;

/** `["transactions", 1, "amount"]` as `transactions[1].amount`, the paths validation reports. */
export function pathText(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out;
}

export function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
}

/**
 * A client's value for a message: bounded, and an object or array only by its type, since
 * JSON.stringify of one nested 20k levels deep overflows the stack (a 500 with the overflow in it).
 */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeof v === "object" && v !== null ? typeName(v) : String(v);
}

const ARTICLE: Record<string, string> = { object: "an object", array: "an array", string: "a string", number: "a number" };

/** A problem found at `segments` (keys and array indexes), with its position for ordering. */
export interface Located {
  readonly segments: readonly (string | number)[];
  readonly message: string;
}

type Schema = { readonly [k: string]: unknown };

function wording(schema: Schema | undefined, keyword: string): string | undefined {
  const messages = schema?.["x-messages"] as Record<string, string> | undefined;
  return messages?.[keyword];
}

function fill(template: string, v: unknown, params: Record<string, unknown>): string {
  return template
    .replace("{got}", shown(v))
    .replace("{type}", typeName(v))
    .replace("{text}", typeof v === "string" ? JSON.stringify(v.slice(0, 40)) : shown(v))
    .replace("{count}", String(Array.isArray(v) ? v.length : ""))
    .replace("{limit}", String(params.limit));
}

function segmentsOf(instancePath: string): (string | number)[] {
  if (instancePath === "") return [];
  return instancePath
    .slice(1)
    .split("/")
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
}

/** Ajv's error (compiled with verbose: true, so it carries the value and its schema) as a located problem. */
export function fromAjv(e: ErrorObject): Located {
  const at = segmentsOf(e.instancePath);
  const schema = e.parentSchema as Schema | undefined;
  const custom = wording(schema, e.keyword);
  if (custom) return { segments: at, message: fill(custom, e.data, e.params) };
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return { segments: [...at, String(p.missingProperty)], message: "is required" };
    case "additionalProperties": {
      const allowed = Object.keys((schema?.properties as object | undefined) ?? {}).join(", ");
      return { segments: [...at, String(p.additionalProperty)], message: `unknown field (allowed: ${allowed})` };
    }
    case "type":
      return { segments: at, message: `must be ${ARTICLE[String(p.type)] ?? String(p.type)}, got ${typeName(e.data)}` };
    case "minimum":
      return { segments: at, message: `must be at least ${String(p.limit)}, got ${String(e.data)}` };
    case "maximum":
      return { segments: at, message: `must be <= ${String(p.limit)}, got ${String(e.data)}` };
    case "enum":
      return { segments: at, message: `must be one of ${(p.allowedValues as unknown[]).join(", ")}, got ${shown(e.data)}` };
    default:
      return { segments: at, message: e.message ?? `fails ${e.keyword}` };
  }
}

/**
 * The rank of each segment for ordering: an array index as is, an object key by its place in the
 * schema's properties (unknown keys first, -1). Problems come out in the order of the document's
 * fields, as a reader goes through it.
 */
function ranks(root: Schema, segments: readonly (string | number)[]): number[] {
  const out: number[] = [];
  let schema: Schema | undefined = root;
  for (const s of segments) {
    if (typeof s === "number") {
      out.push(s);
      schema = schema?.items as Schema | undefined;
    } else {
      const props = schema?.properties as Record<string, Schema> | undefined;
      out.push(props ? Object.keys(props).indexOf(s) : -1);
      schema = props?.[s];
    }
  }
  return out;
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * The problems to report, in document order, one per value, at most MAX_PROBLEMS. When a container
 * itself is wrong (a batch too long, an unknown top-level field), only its own problems are
 * reported, not those of the items in it.
 */
export function report(root: Schema, found: readonly Located[]): FieldProblem[] {
  const shallow = found.filter((f) => !f.segments.some((s) => typeof s === "number"));
  const kept = shallow.length > 0 && shallow.length < found.length ? shallow : found;
  const sorted = kept
    .map((f, i) => ({ f, i, r: ranks(root, f.segments) }))
    .sort((a, b) => compareRanks(a.r, b.r) || a.i - b.i)
    .map(({ f }) => ({ path: pathText(f.segments), message: f.message }));
  const out: FieldProblem[] = [];
  for (const p of sorted) {
    if (out.length === MAX_PROBLEMS) break;
    if (out.length === 0 || out[out.length - 1].path !== p.path) out.push(p);
  }
  return out;
}
