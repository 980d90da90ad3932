import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { Decision } from "../serving/schemas";
import type { DecisionRecord } from "../store/decision-record";
import { decisionMessage, readDecisionMessage } from "./decision-message";

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
  reasons: [
    { feature: "amount", contribution: 0.5, value: null, description: 'amount "12.50" is\nhigh' },
    { feature: "card_tx_count_1d", contribution: 0.25, value: 7, description: "7 on the card today" },
  ],
  reasonsJson: "[]",
  challenger: {
    mode: "shadow",
    championVersion: "v1",
    championScore: 0.1,
    championDecision: "approve",
    challengerVersion: "v2",
    challengerScore: 0.2,
    challengerDecision: "review",
  },
};

describe("the decisions topic's message", () => {
  it("is the API's answer for the decision, byte for byte: the same schema, serialised the same way", async () => {
    const app = Fastify();
    app.get("/", { schema: { response: { 200: Decision } } }, async () => record);
    const answer = await app.inject({ method: "GET", url: "/" });
    await app.close();
    expect(decisionMessage(record)).toBe(answer.body);
  });

  it("holds the decision view only, in the schema's order, quotes and newlines escaped", () => {
    const parsed = JSON.parse(decisionMessage(record));
    expect(Object.keys(parsed)).toEqual(Object.keys(Decision.properties));
    expect(parsed).toEqual({
      transactionId: record.transactionId,
      score: record.score,
      decision: "review",
      reasons: record.reasons,
      modelVersion: record.modelVersion,
      degraded: true,
    });
  });

  it("reads back what the producer writes, and refuses what it could not have written", () => {
    expect(readDecisionMessage(decisionMessage(record))).toEqual(JSON.parse(decisionMessage(record)));
    const good = JSON.parse(decisionMessage(record));
    expect(readDecisionMessage(JSON.stringify({ ...good, addedLater: 1 }))).toMatchObject(good);
    expect(() => readDecisionMessage(JSON.stringify({ ...good, degraded: undefined }))).toThrow(/must have required property 'degraded'/);
    expect(() => readDecisionMessage(JSON.stringify({ ...good, score: "0.5" }))).toThrow(/score must be number/);
    expect(() => readDecisionMessage(JSON.stringify({ ...good, decision: "maybe" }))).toThrow(
      /decision must be equal to one of the allowed values/,
    );
    expect(() => readDecisionMessage("{")).toThrow(SyntaxError);
  });
});
