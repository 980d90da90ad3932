/**
 * A row of the decisions table as pg returns it, and the one mapping from it to the domain: the
 * decision log's reads, the feature rebuild's event stream and the console's decision page all read
 * the transaction and the decision through these functions.
 */
import type { DecisionOutcome } from "../domain/decision";
import type { Channel, Transaction } from "../features/types";
import type { Reason } from "../model/reasons";
import type { DecisionRecord } from "./decision-record";

/** The decisions columns written, in COPY order. */
export const COLUMNS = [
  "transaction_id",
  "occurred_at",
  "card_id",
  "merchant_id",
  "amount",
  "currency",
  "merchant_category",
  "country",
  "channel",
  "score",
  "decision",
  "model_version",
  "degraded",
  "reasons",
  "challenger_mode",
  "champion_version",
  "champion_score",
  "champion_decision",
  "challenger_version",
  "challenger_score",
  "challenger_decision",
] as const;

/** The transaction's columns of a decisions row. */
export interface TransactionColumns {
  transaction_id: string;
  occurred_at: Date;
  card_id: string;
  merchant_id: string;
  /** numeric, read as text. */
  amount: string;
  currency: string | null;
  merchant_category: string | null;
  country: string | null;
  channel: string | null;
}

/** A row of the decisions table as pg returns it. */
export interface DecisionRow extends TransactionColumns {
  score: number;
  decision: DecisionOutcome;
  model_version: string;
  degraded: boolean;
  reasons: Reason[];
  challenger_mode: "shadow" | "ab" | null;
  champion_version: string | null;
  champion_score: number | null;
  champion_decision: DecisionOutcome | null;
  challenger_version: string | null;
  challenger_score: number | null;
  challenger_decision: DecisionOutcome | null;
}

/** The scored transaction of a row; a NULL optional column is an absent field, as the client sent it. */
export function transactionFromRow(r: TransactionColumns): Transaction {
  return {
    transactionId: r.transaction_id,
    timestamp: new Date(r.occurred_at).getTime(),
    cardId: r.card_id,
    merchantId: r.merchant_id,
    // numeric as text: the digits the client sent, read back as the same double
    amount: Number(r.amount),
    ...(r.currency === null ? {} : { currency: r.currency }),
    ...(r.merchant_category === null ? {} : { merchantCategory: r.merchant_category }),
    ...(r.country === null ? {} : { country: r.country }),
    ...(r.channel === null ? {} : { channel: r.channel as Channel }),
  };
}

export function decisionFromRow(r: DecisionRow): DecisionRecord {
  const { timestamp, ...tx } = transactionFromRow(r);
  return {
    ...tx,
    occurredAt: timestamp,
    score: Number(r.score),
    decision: r.decision,
    modelVersion: r.model_version,
    degraded: r.degraded,
    reasons: typeof r.reasons === "string" ? JSON.parse(r.reasons) : r.reasons,
    ...(r.challenger_mode === null || r.challenger_mode === undefined
      ? {}
      : {
          challenger: {
            mode: r.challenger_mode,
            championVersion: r.champion_version!,
            championScore: Number(r.champion_score),
            championDecision: r.champion_decision!,
            challengerVersion: r.challenger_version!,
            challengerScore: Number(r.challenger_score),
            challengerDecision: r.challenger_decision!,
          },
        }),
  };
}
