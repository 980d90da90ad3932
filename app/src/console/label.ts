/**
 * An analyst's label: applied through the same function as POST /v1/feedback (so the feedback
 * table and the merchant-risk features move exactly as for a chargeback webhook), then audited
 * with the label standing before and after, and the analyst's note.
 */
import { LABELS, type Label } from "../domain/decision";
import { applyFeedback, type FeedbackDeps, type FeedbackResult } from "../serving/feedback";
import { ValidationError } from "../serving/validate";
import type { Queryable } from "../store/sql";
import { recordAudit } from "./audit";
import type { Session } from "./session";

export const NOTE_MAX = 1000;

export interface LabelInput {
  readonly label: Label;
  readonly note?: string;
}

export function parseLabelInput(body: unknown): LabelInput {
  const o = body as { label?: unknown; note?: unknown } | null;
  const problems: { path: string; message: string }[] = [];
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new ValidationError([{ path: "", message: "body must be an object" }]);
  for (const k of Object.keys(o)) if (k !== "label" && k !== "note") problems.push({ path: k, message: "is not a field of a label" });
  if (!(LABELS as readonly unknown[]).includes(o.label)) problems.push({ path: "label", message: `must be one of ${LABELS.join(", ")}` });
  if (o.note !== undefined && (typeof o.note !== "string" || o.note.length > NOTE_MAX))
    problems.push({ path: "note", message: `must be text of at most ${NOTE_MAX} characters` });
  if (problems.length) throw new ValidationError(problems);
  const note = typeof o.note === "string" ? o.note.trim() : "";
  return { label: o.label as Label, ...(note ? { note } : {}) };
}

export interface LabelDeps {
  readonly sql: Queryable;
  /** Table prefix (`"schema".` or empty). */
  readonly s: string;
  readonly feedback: FeedbackDeps;
}

export async function labelDecision(
  d: LabelDeps,
  who: Session,
  transactionId: string,
  input: LabelInput,
  now = Date.now(),
): Promise<FeedbackResult> {
  const { rows } = await d.sql.query<{ label: Label; reported_at: Date }>(
    `SELECT label, reported_at FROM ${d.s}feedback WHERE transaction_id = $1`,
    [transactionId],
  );
  const before = rows[0] ? { label: rows[0].label, reportedAt: new Date(rows[0].reported_at).toISOString() } : null;
  const after = { label: input.label, reportedAt: new Date(now).toISOString(), ...(input.note ? { note: input.note } : {}) };
  let result: FeedbackResult;
  try {
    result = await applyFeedback(d.feedback, { transactionId, label: input.label, reportedAt: now });
  } catch (err) {
    // the label may be stored with the features behind (a retry is safe): the attempt is on record
    await recordAudit(d.sql, d.s, { actor: who.user, role: who.role, action: "label_failed", target: transactionId, before, after }).catch(
      () => undefined,
    );
    throw err;
  }
  await recordAudit(d.sql, d.s, {
    actor: who.user,
    role: who.role,
    action: "label",
    target: transactionId,
    before,
    after: { ...after, stored: result.stored, featuresUpdated: result.featuresUpdated },
  });
  return result;
}
