/**
 * A decision as the decision log holds it (the scored transaction, its score, outcome and
 * reasons, and both models' answers while a challenger is set) and a label as it stores it.
 */
import type { DecisionOutcome, Label } from "../domain/decision";
import type { Transaction } from "../features/types";
import type { Reason } from "../model/reasons";

/**
 * Both models' answers while a challenger is set (migration 003): the champion is the production
 * version, the challenger the manifest's. One of them is the decision's own answer.
 */
export interface ChallengerScores {
  readonly mode: "shadow" | "ab";
  readonly championVersion: string;
  readonly championScore: number;
  readonly championDecision: DecisionOutcome;
  readonly challengerVersion: string;
  readonly challengerScore: number;
  readonly challengerDecision: DecisionOutcome;
}

/** The scored transaction (its time named as the `occurred_at` column) and the decision. */
export interface DecisionRecord extends Omit<Transaction, "timestamp"> {
  /** Transaction time, epoch ms. */
  readonly occurredAt: number;
  readonly score: number;
  readonly decision: DecisionOutcome;
  readonly modelVersion: string;
  readonly degraded: boolean;
  readonly reasons: readonly Reason[];
  /** `reasons` as JSON, when the scorer already serialised them (the log's COPY writes it). */
  readonly reasonsJson?: string;
  /** Set while a challenger is: never part of what the client is answered. */
  readonly challenger?: ChallengerScores;
}

/** The decision's reasons as JSON. */
export function reasonsJson(d: DecisionRecord): string {
  return d.reasonsJson ?? JSON.stringify(d.reasons);
}

export interface FeedbackRecord {
  readonly transactionId: string;
  readonly label: Label;
  /** Epoch ms. */
  readonly reportedAt: number;
}
