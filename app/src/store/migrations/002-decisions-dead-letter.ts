/**
 * Decisions PostgreSQL refused to store (a value out of its range that got past validation), set
 * aside by the decision log so the rest of their batch is written. An operator reads `error`, fixes
 * or discards the decision (`record::jsonb` for its fields) and deletes the row.
 */
export const version = 2;
export const name = "decisions dead letter";
/** `schema`: a qualifying prefix such as `"s".`, or empty. */
export const up = (schema: string): string[] => [
  // record is the decision as JSON in text, not jsonb: jsonb refuses some JSON (\u0000 in a string)
  // and this table must take whatever the decisions table did not
  `CREATE TABLE IF NOT EXISTS ${schema}decisions_dead_letter (
  transaction_id text PRIMARY KEY,
  record         text NOT NULL,
  error          text NOT NULL,
  sqlstate       text,
  created_at     timestamptz NOT NULL DEFAULT now()
)`,
];
