/**
 * One decision as the console's decision page shows it: the transaction, score, decision, model
 * version and reasons; the standing label and who set it; the card's and the merchant's recent
 * decisions with their labels, from the decision log.
 */
import type { Label } from "../domain/decision";
import { COLUMNS, decisionFromRow, type DecisionRow } from "../store/decision-row";
import type { Queryable } from "../store/sql";
import { auditOf } from "./audit";
import type { AuditRow, DecisionDetail, HistoryItem, StandingLabel } from "./wire";

export const HISTORY_LIMIT = 10;

interface HistoryRow {
  transaction_id: string;
  occurred_at: Date;
  card_id: string;
  merchant_id: string;
  amount: string;
  score: number;
  decision: string;
  label: Label | null;
}

async function history(q: Queryable, s: string, column: "card_id" | "merchant_id", value: string, except: string): Promise<HistoryItem[]> {
  const { rows } = await q.query<HistoryRow>(
    `SELECT d.transaction_id, d.occurred_at, d.card_id, d.merchant_id, d.amount, d.score, d.decision, f.label
     FROM ${s}decisions d LEFT JOIN ${s}feedback f ON f.transaction_id = d.transaction_id
     WHERE d.${column} = $1 AND d.transaction_id <> $2 ORDER BY d.occurred_at DESC LIMIT ${HISTORY_LIMIT}`,
    [value, except],
  );
  return rows.map((r) => ({
    transactionId: r.transaction_id,
    occurredAt: new Date(r.occurred_at).toISOString(),
    cardId: r.card_id,
    merchantId: r.merchant_id,
    amount: Number(r.amount),
    score: Number(r.score),
    decision: r.decision,
    label: r.label,
  }));
}

interface DetailRow extends DecisionRow {
  label: Label | null;
  reported_at: Date | null;
  received_at: Date | null;
}

/** The decision of `transactionId` from PostgreSQL, or undefined when none is stored. */
export async function decisionDetail(q: Queryable, s: string, transactionId: string): Promise<DecisionDetail | undefined> {
  const { rows } = await q.query<DetailRow>(
    `SELECT ${COLUMNS.map((c) => `d.${c}`).join(", ")}, f.label, f.reported_at, f.received_at
     FROM ${s}decisions d LEFT JOIN ${s}feedback f ON f.transaction_id = d.transaction_id WHERE d.transaction_id = $1`,
    [transactionId],
  );
  const r = rows[0];
  if (!r) return undefined;
  const [cardHistory, merchantHistory, audit] = await Promise.all([
    history(q, s, "card_id", r.card_id, transactionId),
    history(q, s, "merchant_id", r.merchant_id, transactionId),
    auditOf(q, s, transactionId),
  ]);
  const d = decisionFromRow(r);
  return {
    transactionId: d.transactionId,
    occurredAt: new Date(d.occurredAt).toISOString(),
    cardId: d.cardId,
    merchantId: d.merchantId,
    amount: d.amount,
    currency: d.currency ?? null,
    merchantCategory: d.merchantCategory ?? null,
    country: d.country ?? null,
    channel: d.channel ?? null,
    score: d.score,
    decision: d.decision,
    modelVersion: d.modelVersion,
    degraded: d.degraded,
    reasons: d.reasons,
    label: r.label && r.reported_at && r.received_at ? standing(r.label, r.reported_at, r.received_at, audit) : null,
    cardHistory,
    merchantHistory,
    audit,
  };
}

/** The standing label, with the analyst and note of the console label that set it (if one did). */
function standing(label: Label, reportedAt: Date, receivedAt: Date, audit: readonly AuditRow[]): StandingLabel {
  const reported = new Date(reportedAt).toISOString();
  const set = audit.find((a) => {
    const after = a.after as { label?: string; reportedAt?: string } | undefined;
    return a.action === "label" && after?.label === label && after.reportedAt === reported;
  });
  const note = (set?.after as { note?: string } | undefined)?.note;
  return {
    label,
    reportedAt: reported,
    receivedAt: new Date(receivedAt).toISOString(),
    ...(set ? { by: set.actor } : {}),
    ...(note ? { note } : {}),
  };
}
