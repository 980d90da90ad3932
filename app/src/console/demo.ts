/**
 * Decisions for a local run to look at: on `npm start` with the embedded database and an empty
 * decision log, a week of a small simulation (shifted to end now) is scored by the running
 * scorer, so the decision log, the feature store and the console's queue fill as they would from
 * traffic. Frauds the simulation reports before now are labelled through the feedback path, as a
 * chargeback webhook would, so the overview has precision figures and those leave the queue.
 */
import { DAY_MS } from "../domain/time";
import { applyFeedback, type FeedbackDeps } from "../serving/feedback";
import type { Scorer } from "../serving/scoring";
import { simulateDays, type SimulatedTransaction } from "../sim/simulator";
import type { Queryable } from "../store/sql";

export const DEMO_SIMULATION = { days: 7, cards: 1000, merchants: 2000, seed: 17 } as const;

export interface DemoDeps {
  readonly sql: Queryable;
  readonly scorer: Scorer;
  readonly feedback: FeedbackDeps;
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** Scores the demo week when the decision log is empty; returns the decisions made (0: it had some). */
export async function seedDemoDecisions(d: DemoDeps, now = Date.now()): Promise<number> {
  const { rows } = await d.sql.query<{ any: boolean }>("SELECT EXISTS (SELECT 1 FROM decisions) AS any");
  if (rows[0]?.any) return 0;
  const today = new Date(now - (now % DAY_MS));
  const startDate = new Date(today.getTime() - DEMO_SIMULATION.days * DAY_MS).toISOString().slice(0, 10);
  d.log("decision log empty: scoring a simulated week so the console has decisions to show", { ...DEMO_SIMULATION, startDate });
  const started = performance.now();
  const frauds: SimulatedTransaction[] = [];
  let scored = 0;
  const decided: Record<string, number> = {};
  // the simulation starts at midnight: shifted by the time of day, its last day ends now
  const shift = now - today.getTime();
  for (const simulated of simulateDays({ ...DEMO_SIMULATION, startDate })) {
    const day = simulated.map((t) => ({
      ...t,
      timestamp: t.timestamp + shift,
      labelReportedAt: t.labelReportedAt === undefined ? undefined : t.labelReportedAt + shift,
    }));
    for (let i = 0; i < day.length; i += 500) {
      const chunk = day.slice(i, i + 500).filter((t) => t.timestamp <= now);
      if (chunk.length === 0) continue;
      for (const r of await d.scorer.scoreBatch(chunk)) decided[r.decision] = (decided[r.decision] ?? 0) + 1;
      scored += chunk.length;
      // the write-behind buffer is bounded: let it write before scoring more
      while (d.feedback.decisions.buffered > 5000) await new Promise((r) => setTimeout(r, 20));
    }
    for (const t of day) if (t.label === 1 && t.labelReportedAt !== undefined && t.labelReportedAt <= now) frauds.push(t);
  }
  // labels read their decision back (merchant, time): from PostgreSQL once the buffer is written
  for (const end = Date.now() + 30_000; d.feedback.decisions.buffered > 0 && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
  for (const t of frauds)
    await applyFeedback(d.feedback, { transactionId: t.transactionId, label: "fraud", reportedAt: t.labelReportedAt as number });
  d.log("simulated week scored", {
    decisions: scored,
    ...decided,
    fraudLabels: frauds.length,
    seconds: ((performance.now() - started) / 1000).toFixed(1),
  });
  return scored;
}
