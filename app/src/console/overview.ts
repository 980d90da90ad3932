/**
 * The console's overview: decisions per hour by outcome, the review and decline rates, labels
 * received, and how often `review` and `decline` were right on the decisions labelled so far
 * (precision: fraud labels among labelled decisions), over a window ending now.
 */
import { DECISIONS, LABELS, type DecisionOutcome, type Label } from "../domain/decision";
import type { Queryable } from "../store/sql";

export const OVERVIEW_WINDOWS_HOURS = [24, 24 * 7, 24 * 30] as const;

export interface Overview {
  readonly from: string;
  readonly to: string;
  /** One entry per hour that had decisions, oldest first. */
  readonly hourly: { readonly hour: string; readonly counts: Record<DecisionOutcome, number> }[];
  readonly totals: Record<DecisionOutcome, number>;
  readonly reviewRate: number | null;
  readonly declineRate: number | null;
  /** Labels received in the window (feedback.received_at), by label. */
  readonly labelsReceived: Record<Label, number>;
  /** Of the window's decisions with this outcome that have a label: how many, and the fraud share. */
  readonly precision: Record<
    "review" | "decline",
    { readonly labelled: number; readonly fraud: number; readonly precision: number | null }
  >;
}

const zeroDecisions = (): Record<DecisionOutcome, number> =>
  Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<DecisionOutcome, number>;

export async function overview(q: Queryable, s: string, hours: number, now = Date.now()): Promise<Overview> {
  const from = new Date(now - hours * 3_600_000).toISOString();
  const to = new Date(now).toISOString();
  const [hourlyRows, labelRows, precisionRows] = await Promise.all([
    q.query<{ hour: Date; decision: DecisionOutcome; n: string }>(
      `SELECT date_trunc('hour', occurred_at) AS hour, decision, count(*) AS n FROM ${s}decisions
       WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY 1, 2 ORDER BY 1`,
      [from, to],
    ),
    q.query<{ label: Label; n: string }>(
      `SELECT label, count(*) AS n FROM ${s}feedback WHERE received_at >= $1 AND received_at < $2 GROUP BY 1`,
      [from, to],
    ),
    q.query<{ decision: DecisionOutcome; labelled: string; fraud: string }>(
      `SELECT d.decision, count(*) AS labelled, count(*) FILTER (WHERE f.label = 'fraud') AS fraud
       FROM ${s}decisions d JOIN ${s}feedback f ON f.transaction_id = d.transaction_id
       WHERE d.occurred_at >= $1 AND d.occurred_at < $2 AND d.decision IN ('review', 'decline') GROUP BY 1`,
      [from, to],
    ),
  ]);
  const byHour = new Map<string, Record<DecisionOutcome, number>>();
  const totals = zeroDecisions();
  for (const r of hourlyRows.rows) {
    const hour = new Date(r.hour).toISOString();
    const counts = byHour.get(hour) ?? zeroDecisions();
    counts[r.decision] += Number(r.n);
    totals[r.decision] += Number(r.n);
    byHour.set(hour, counts);
  }
  const all = totals.approve + totals.review + totals.decline;
  const labelsReceived = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
  for (const r of labelRows.rows) labelsReceived[r.label] = Number(r.n);
  const precisionOf = (d: "review" | "decline") => {
    const row = precisionRows.rows.find((r) => r.decision === d);
    const labelled = Number(row?.labelled ?? 0);
    const fraud = Number(row?.fraud ?? 0);
    return { labelled, fraud, precision: labelled > 0 ? fraud / labelled : null };
  };
  return {
    from,
    to,
    hourly: [...byHour].map(([hour, counts]) => ({ hour, counts })),
    totals,
    reviewRate: all > 0 ? totals.review / all : null,
    declineRate: all > 0 ? totals.decline / all : null,
    labelsReceived,
    precision: { review: precisionOf("review"), decline: precisionOf("decline") },
  };
}
