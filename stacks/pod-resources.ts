/**
 * The `workloads` settings that size and scale pods: container requests and limits (a request never
 * above its limit) and the autoscaling of the API and the stream worker (see workloads.ts).
 */
import type { AutoscalingOptions, ContainerResources, ResourceSpec, ScalingPolicy } from "../infra/workloads/options";
import type { SectionReader } from "./validate";

const CPU = /^(\d+m|\d+(\.\d+)?)$/;
const MEMORY = /^\d+(Ki|Mi|Gi|Ti)$/;

/** cpu in millicores, memory in bytes: to compare a request with its limit. */
export function quantityValue(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti)?$/.exec(q);
  if (!m) throw new Error(`not a Kubernetes quantity: ${q}`);
  const units: Record<string, number> = { m: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return m[2] === undefined ? Number(m[1]) * 1000 : Number(m[1]) * units[m[2]];
}

export function resources(s: SectionReader, def: ContainerResources): ContainerResources {
  const read = (kind: "requests" | "limits"): ResourceSpec => {
    const r = s.section(kind);
    return {
      cpu: r.string("cpu", { default: def[kind].cpu, pattern: CPU, describe: 'a CPU quantity such as "250m" or "1"' }),
      memory: r.string("memory", { default: def[kind].memory, pattern: MEMORY, describe: 'a memory quantity such as "512Mi" or "2Gi"' }),
    };
  };
  const requests = read("requests");
  const limits = read("limits");
  for (const k of ["cpu", "memory"] as const) {
    const valid = [requests[k], limits[k]].every((q) => (k === "cpu" ? CPU : MEMORY).test(q));
    if (valid && quantityValue(requests[k]) > quantityValue(limits[k])) {
      s.problem(`requests.${k}`, requests[k], `at most the limit (${limits[k]})`);
    }
  }
  return { requests, limits };
}

function scaling(s: SectionReader, def: ScalingPolicy): ScalingPolicy {
  return {
    stabilizationWindowSeconds: s.int("stabilizationWindowSeconds", { min: 0, max: 3600, default: def.stabilizationWindowSeconds }),
    percent: s.int("percent", { min: 1, max: 1000, default: def.percent }),
    pods: s.int("pods", { min: 1, max: 100, default: def.pods }),
    periodSeconds: s.int("periodSeconds", { min: 1, max: 1800, default: def.periodSeconds }),
  };
}

export function autoscaled(s: SectionReader, def: AutoscalingOptions): AutoscalingOptions {
  const minReplicas = s.int("minReplicas", { min: 1, max: 100, default: def.minReplicas });
  const maxReplicas = s.int("maxReplicas", { min: 1, max: 500, default: Math.max(def.maxReplicas, minReplicas) });
  if (maxReplicas < minReplicas) s.problem("maxReplicas", maxReplicas, `at least minReplicas (${minReplicas})`);
  return {
    minReplicas,
    maxReplicas,
    cpuTargetPercent: s.int("cpuTargetPercent", { min: 10, max: 100, default: def.cpuTargetPercent }),
    memoryTargetPercent: s.int("memoryTargetPercent", { min: 10, max: 100, default: def.memoryTargetPercent }),
    scaleUp: scaling(s.section("scaleUp"), def.scaleUp),
    scaleDown: scaling(s.section("scaleDown"), def.scaleDown),
    resources: resources(s.section("resources"), def.resources),
  };
}
