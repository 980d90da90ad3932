/**
 * The decision log and the labels. The trainer reads both tables when it trains in AWS, so the
 * column names are a contract (see the trainer issue). Feedback has no foreign key: a label may
 * arrive before the write-behind queue has written its decision.
 */
export const version = 1;
export const name = "decisions and feedback";
/** `schema`: a qualifying prefix such as `"s".`, or empty. */
export const up = (schema: string): string[] => [
  `CREATE TABLE IF NOT EXISTS ${schema}decisions (
  transaction_id    text PRIMARY KEY,
  occurred_at       timestamptz NOT NULL,
  card_id           text NOT NULL,
  merchant_id       text NOT NULL,
  amount            numeric NOT NULL CHECK (amount > 0),
  currency          text,
  merchant_category text,
  country           text,
  channel           text,
  score             double precision NOT NULL,
  decision          text NOT NULL CHECK (decision IN ('approve', 'review', 'decline')),
  model_version     text NOT NULL,
  degraded          boolean NOT NULL,
  reasons           jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
)`,
  // the trainer reads the log by time window
  `CREATE INDEX IF NOT EXISTS decisions_occurred_at_idx ON ${schema}decisions (occurred_at)`,
  `CREATE TABLE IF NOT EXISTS ${schema}feedback (
  transaction_id text PRIMARY KEY,
  label          text NOT NULL CHECK (label IN ('fraud', 'legit')),
  reported_at    timestamptz NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now()
)`,
];
