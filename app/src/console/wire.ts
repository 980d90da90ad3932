/**
 * The JSON the console's API sends and its browser code reads: one declaration for both sides
 * (the browser bundle imports these as types only, so no server code reaches it).
 */
import type { DecisionOutcome, Label } from "../domain/decision";
import type { Reason } from "../model/reasons";

export const QUEUE_DECISIONS = ["review", "decline"] as const satisfies readonly DecisionOutcome[];
export type QueueDecision = (typeof QUEUE_DECISIONS)[number];

export interface QueueItem {
  readonly transactionId: string;
  readonly occurredAt: string;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string | null;
  readonly channel: string | null;
  readonly score: number;
  readonly decision: QueueDecision;
  readonly modelVersion: string;
}

export interface QueuePage {
  readonly items: QueueItem[];
  /** The cursor of the next page, absent on the last. */
  readonly next?: string;
}

export interface HistoryItem {
  readonly transactionId: string;
  readonly occurredAt: string;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly score: number;
  readonly decision: string;
  readonly label: Label | null;
}

export interface StandingLabel {
  readonly label: Label;
  readonly reportedAt: string;
  readonly receivedAt: string;
  /** The analyst who set it in the console; absent when it came through POST /v1/feedback. */
  readonly by?: string;
  readonly note?: string;
}

/** One action in the console's audit trail (table console_audit). */
export interface AuditEntry {
  readonly actor: string;
  readonly role: string;
  /** e.g. "login", "login_failed", "label". */
  readonly action: string;
  /** What the action was on (a transaction id), if anything. */
  readonly target?: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** An audit entry as the decision page lists it. */
export interface AuditRow extends AuditEntry {
  readonly at: string;
}

export interface DecisionDetail {
  readonly transactionId: string;
  readonly occurredAt: string;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly currency: string | null;
  readonly merchantCategory: string | null;
  readonly country: string | null;
  readonly channel: string | null;
  readonly score: number;
  readonly decision: string;
  readonly modelVersion: string;
  readonly degraded: boolean;
  readonly reasons: readonly Reason[];
  readonly label: StandingLabel | null;
  readonly cardHistory: HistoryItem[];
  readonly merchantHistory: HistoryItem[];
  readonly audit: AuditRow[];
}
