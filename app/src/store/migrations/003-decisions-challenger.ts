/**
 * A challenger's answer beside each decision (see docs/model-ops.md). `model_version`, `score` and
 * `decision` stay what the client was answered; while a challenger is set, both models score every
 * transaction and the row names both: the champion (production) and the challenger, each with its
 * version, score and decision, and the mode. All null when no challenger was set.
 */
export const version = 3;
export const name = "decisions challenger";
/** `schema`: a qualifying prefix such as `"s".`, or empty. */
export const up = (schema: string): string[] => [
  `ALTER TABLE ${schema}decisions
  ADD COLUMN IF NOT EXISTS challenger_mode     text CHECK (challenger_mode IN ('shadow', 'ab')),
  ADD COLUMN IF NOT EXISTS champion_version    text,
  ADD COLUMN IF NOT EXISTS champion_score      double precision,
  ADD COLUMN IF NOT EXISTS champion_decision   text CHECK (champion_decision IN ('approve', 'review', 'decline')),
  ADD COLUMN IF NOT EXISTS challenger_version  text,
  ADD COLUMN IF NOT EXISTS challenger_score    double precision,
  ADD COLUMN IF NOT EXISTS challenger_decision text CHECK (challenger_decision IN ('approve', 'review', 'decline'))`,
  // npm run compare reads the decisions a challenger scored, by time
  `CREATE INDEX IF NOT EXISTS decisions_challenger_idx ON ${schema}decisions (challenger_version, occurred_at) WHERE challenger_version IS NOT NULL`,
];
