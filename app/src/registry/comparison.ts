/**
 * The latest champion-vs-challenger comparison of a pair (`trainer compare`, docs/model-ops.md),
 * kept at `latest-comparisons/<champion>/<challenger>.json` beside the dated reports. It is what
 * the serving replicas read on each manifest poll and export as gauges, so the pair's address is
 * its two versions: a reader never lists the reports to find the newest.
 */
import { assertVersionName } from "./metadata";
import { RegistryError } from "./registry";

/** The gate's metrics, then the decision rates, as `trainer compare` measures them. */
export const COMPARED_METRICS = ["auc", "averagePrecision", "cardPrecisionAt100", "recallAt1PctFpr", "reviewRate", "declineRate"] as const;
export type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** Each model's values, and the challenger's minus the champion's. */
export const COMPARISON_ROLES = ["champion", "challenger", "difference"] as const;
export type ComparisonRole = (typeof COMPARISON_ROLES)[number];

/** A value and its 95% bootstrap interval (NaN when it cannot be measured). */
export interface Estimate {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface LatestComparison {
  readonly champion: string;
  readonly challenger: string;
  /** When the comparison ran (ISO 8601), and the window of decisions it read. */
  readonly at: string;
  readonly since: string;
  readonly until: string;
  /** Where the full report is (comparisons/<id>/). */
  readonly report: string;
  readonly rows: number;
  readonly frauds: number;
  readonly cards: number;
  /** The gate's verdict: the challenger is not worse than the champion by more than the margin. */
  readonly better: boolean;
  readonly metrics: Readonly<Record<ComparisonRole, Readonly<Record<ComparedMetric, Estimate>>>>;
}

export function latestComparisonPath(champion: string, challenger: string): string {
  assertVersionName(champion);
  assertVersionName(challenger);
  return `latest-comparisons/${champion}/${challenger}.json`;
}

/** JSON has no NaN: an unmeasurable value is written as null and read back as NaN. */
export function serializeLatestComparison(c: LatestComparison): string {
  return `${JSON.stringify(c, null, 2)}\n`;
}

const isDate = (v: unknown): v is string => typeof v === "string" && !Number.isNaN(Date.parse(v));
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Parses and checks the file; throws RegistryError on anything else, so a bad file exports nothing. */
export function parseLatestComparison(json: string, where: string): LatestComparison {
  const bad = (why: string): never => {
    throw new RegistryError(`${where} is not a comparison: ${why}`);
  };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    return bad((err as Error).message);
  }
  if (typeof doc !== "object" || doc === null) return bad("not an object");
  const { champion, challenger, at, since, until, report, rows, frauds, cards, better, metrics } = doc;
  if (typeof champion !== "string" || typeof challenger !== "string") return bad("champion and challenger must be versions");
  if (!isDate(at) || !isDate(since) || !isDate(until)) return bad("at, since and until must be dates");
  if (typeof report !== "string") return bad("report must be a location");
  if (!isCount(rows) || !isCount(frauds) || !isCount(cards)) return bad("rows, frauds and cards must be counts");
  if (typeof better !== "boolean") return bad("better must be true or false");
  const num = (v: unknown, path: string): number => {
    if (v === null) return Number.NaN;
    if (typeof v !== "number") return bad(`${path} must be a number or null`);
    return v;
  };
  const out = {} as Record<ComparisonRole, Record<ComparedMetric, Estimate>>;
  for (const role of COMPARISON_ROLES) {
    const byMetric = (metrics as Record<string, Record<string, Record<string, unknown>> | undefined> | undefined)?.[role];
    if (typeof byMetric !== "object" || byMetric === null) return bad(`metrics.${role} is missing`);
    out[role] = {} as Record<ComparedMetric, Estimate>;
    for (const m of COMPARED_METRICS) {
      const e = byMetric[m];
      if (typeof e !== "object" || e === null) return bad(`metrics.${role}.${m} is missing`);
      const p = `metrics.${role}.${m}`;
      out[role][m] = { value: num(e.value, `${p}.value`), low: num(e.low, `${p}.low`), high: num(e.high, `${p}.high`) };
    }
  }
  return { champion, challenger, at, since, until, report, rows, frauds, cards, better, metrics: out };
}
