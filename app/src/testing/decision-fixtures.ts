/** A decision-log row for store tests; `extra` overrides any field. */
import type { DecisionRecord } from "../store/decision-record";

export function testDecision(id: string, extra: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    transactionId: id,
    occurredAt: Date.parse("2024-03-01T12:00:00Z"),
    cardId: "card-1",
    merchantId: "m-1",
    amount: 12.34,
    currency: "EUR",
    channel: "ecom",
    score: 0.25,
    decision: "approve",
    modelVersion: "v1",
    degraded: false,
    reasons: [{ feature: "amount", value: 12.34, contribution: 0.1, description: "amount 12.34" }],
    ...extra,
  };
}
