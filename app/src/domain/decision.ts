/**
 * The words of the fraud decision every layer shares: what a scored transaction is decided to be,
 * and what a label later says it was. The API schema, the metrics, the decision log's columns and
 * the replay all speak them.
 */
export const DECISIONS = ["approve", "review", "decline"] as const;
export type DecisionOutcome = (typeof DECISIONS)[number];

export const LABELS = ["fraud", "legit"] as const;
export type Label = (typeof LABELS)[number];
