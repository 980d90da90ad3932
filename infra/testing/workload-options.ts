import { WORKLOAD_DEFAULTS, type WorkloadOptions } from "../workloads/options";

type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> } : T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** The documented defaults with `overrides` laid over them (lists replaced whole): options as a caller resolves them. */
export function workloadOptions(overrides: DeepPartial<WorkloadOptions> = {}): WorkloadOptions {
  return merge(WORKLOAD_DEFAULTS, overrides) as WorkloadOptions;
}
