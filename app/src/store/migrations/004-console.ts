/**
 * The analyst console: the indexes its queue and decision page read by, and the audit table of
 * what analysts did. The queue lists unlabelled review/decline decisions newest or riskiest first
 * with keyset pagination: each order has a partial index over just those decisions, ending in the
 * primary key so a page boundary is one row comparison. The card's and the merchant's recent
 * decisions (and the queue's card/merchant filters) read by (card_id|merchant_id, occurred_at).
 */
export const version = 4;
export const name = "console queue indexes and audit";
/** `schema`: a qualifying prefix such as `"s".`, or empty. */
export const up = (schema: string): string[] => [
  `CREATE INDEX IF NOT EXISTS decisions_queue_newest_idx ON ${schema}decisions (occurred_at DESC, transaction_id DESC)
    WHERE decision IN ('review', 'decline')`,
  `CREATE INDEX IF NOT EXISTS decisions_queue_riskiest_idx ON ${schema}decisions (score DESC, occurred_at DESC, transaction_id DESC)
    WHERE decision IN ('review', 'decline')`,
  `CREATE INDEX IF NOT EXISTS decisions_card_idx ON ${schema}decisions (card_id, occurred_at DESC)`,
  `CREATE INDEX IF NOT EXISTS decisions_merchant_idx ON ${schema}decisions (merchant_id, occurred_at DESC)`,
  // who did what, when, and the state before and after (a label: the standing label and its note)
  `CREATE TABLE IF NOT EXISTS ${schema}console_audit (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at        timestamptz NOT NULL DEFAULT now(),
  actor     text NOT NULL,
  role      text NOT NULL,
  action    text NOT NULL,
  target    text,
  before    jsonb,
  after     jsonb
)`,
  `CREATE INDEX IF NOT EXISTS console_audit_target_idx ON ${schema}console_audit (target, at DESC) WHERE target IS NOT NULL`,
];
