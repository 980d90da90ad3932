/**
 * Replays the decisions a shutdown could not write (PostgreSQL unreachable until its deadline): the
 * API and the worker log each one whole, as a JSON line with `"msg":"decision not written"` and the
 * record under `decision`. Those lines go back into the decisions table; any other line is counted
 * and skipped, so a whole pod log can be fed in. Ids already stored are skipped, so a replay can be
 * run again (or over overlapping logs) without writing anything twice.
 */
import { DECISIONS } from "../domain/decision";
import type { DecisionLog } from "./decision-log";
import type { DecisionRecord } from "./decision-record";
import { refusesValues } from "./sql";

export const UNWRITTEN_MSG = "decision not written";

export interface ReplayCounts {
  lines: number;
  /** Lines that are not a "decision not written" entry. */
  ignored: number;
  /** "decision not written" entries whose decision is not a whole record (or whose line was cut). */
  malformed: number;
  inserted: number;
  alreadyStored: number;
  /** Decisions PostgreSQL refuses (a value it cannot store): written nowhere, reported by id. */
  refused: number;
}

const isString = (v: unknown): v is string => typeof v === "string";
const optionalString = (v: unknown) => v === undefined || isString(v);

/**
 * The decision of a "decision not written" line; undefined for any other line, null when it is not
 * a whole record (a line cut by a log collector's size limit is not JSON any more: null, not skipped).
 */
export function unwrittenDecision(line: string): DecisionRecord | null | undefined {
  // most lines of a pod log are something else: no JSON parse for them
  if (!line.includes(`"${UNWRITTEN_MSG}"`)) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof entry !== "object" || entry === null || (entry as { msg?: unknown }).msg !== UNWRITTEN_MSG) return undefined;
  const d = (entry as { decision?: unknown }).decision as Record<string, unknown> | undefined;
  if (typeof d !== "object" || d === null) return null;
  const whole =
    isString(d.transactionId) &&
    Number.isFinite(d.occurredAt) &&
    isString(d.cardId) &&
    isString(d.merchantId) &&
    Number.isFinite(d.amount) &&
    optionalString(d.currency) &&
    optionalString(d.merchantCategory) &&
    optionalString(d.country) &&
    optionalString(d.channel) &&
    Number.isFinite(d.score) &&
    (DECISIONS as readonly unknown[]).includes(d.decision) &&
    isString(d.modelVersion) &&
    typeof d.degraded === "boolean" &&
    Array.isArray(d.reasons);
  return whole ? (d as unknown as DecisionRecord) : null;
}

/**
 * Reads `lines`, inserting their unwritten decisions in batches of `batchSize`. A batch holding a
 * decision PostgreSQL refuses is written one by one, so only that one is left out (`onRefused`).
 * Any other failure (PostgreSQL unreachable) rejects: what was inserted stays, and a rerun skips it.
 */
export async function replayDecisions(
  lines: AsyncIterable<string>,
  log: DecisionLog,
  onRefused: (d: DecisionRecord, err: unknown) => void,
  batchSize = 500,
): Promise<ReplayCounts> {
  const counts: ReplayCounts = { lines: 0, ignored: 0, malformed: 0, inserted: 0, alreadyStored: 0, refused: 0 };
  const write = async (batch: readonly DecisionRecord[]): Promise<void> => {
    try {
      const inserted = (await log.insertMissing(batch)).length;
      counts.inserted += inserted;
      counts.alreadyStored += batch.length - inserted;
    } catch (err) {
      if (!refusesValues(err)) throw err;
      if (batch.length > 1) {
        for (const d of batch) await write([d]);
        return;
      }
      counts.refused++;
      onRefused(batch[0], err);
    }
  };
  let batch: DecisionRecord[] = [];
  for await (const line of lines) {
    counts.lines++;
    const d = unwrittenDecision(line);
    if (d === undefined) counts.ignored++;
    else if (d === null) counts.malformed++;
    else if (batch.push(d) >= batchSize) {
      await write(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await write(batch);
  return counts;
}
