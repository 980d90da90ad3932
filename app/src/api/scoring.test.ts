import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "../store/decision-log";
import { decisionJson } from "./scoring";

const record: DecisionRecord = {
  transactionId: 'tx"with\\odd/chars',
  occurredAt: Date.UTC(2024, 2, 1, 12, 30, 0, 125),
  cardId: "c1",
  merchantId: "m1",
  amount: 12.5,
  score: 0.123456789012345,
  decision: "review",
  modelVersion: 'v1"x',
  degraded: true,
  reasons: [{ feature: "amount", contribution: 0.5, value: null, description: 'amount "12.50" is\nhigh' }],
};

describe("decisionJson", () => {
  it("is the decision view as JSON, quotes and backslashes escaped", () => {
    expect(JSON.parse(decisionJson(record))).toEqual({
      transactionId: record.transactionId,
      score: record.score,
      decision: "review",
      reasons: record.reasons,
      modelVersion: record.modelVersion,
      degraded: true,
    });
  });

  it("uses the reasons JSON the scorer already made, and adds the ISO timestamp when asked", () => {
    const shared = { ...record, reasonsJson: '[{"feature":"x"}]' };
    const parsed = JSON.parse(decisionJson(shared, true));
    expect(parsed.reasons).toEqual([{ feature: "x" }]);
    expect(parsed.timestamp).toBe("2024-03-01T12:30:00.125Z");
    expect(Object.keys(parsed)).toEqual(["transactionId", "score", "decision", "reasons", "modelVersion", "degraded", "timestamp"]);
  });
});
