/**
 * `npm run bench:console`: the review queue's page time over a decision log of 100,000 decisions
 * (about 25,000 in review or decline, a seventh of them labelled) in a schema of its own in
 * PostgreSQL (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local test database; dropped
 * after). Each order and filter is walked page by page (50 a page) by keyset; every page's time is
 * measured end to end through queuePage (query, rows, mapping). The same depth by OFFSET is timed
 * for comparison. Target: under 50 ms per page.
 */
import { performance } from "node:perf_hooks";
import { parseQueueQuery, queuePage } from "./queue";
import { manyDecisions, testSchema } from "./testing/decisions";

const N = Number(process.env.BENCH_DECISIONS ?? 100_000);
const PAGES = 100;
const url = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main(): Promise<void> {
  const t = await testSchema(url, `bench_console_${process.pid}`);
  try {
    const end = Date.now();
    const decisions = manyDecisions(N, end, 24 * 30);
    let started = performance.now();
    await t.insert(decisions);
    const queued = decisions.filter((d) => d.decision !== "approve");
    for (let i = 0; i < queued.length; i += 7 * 1000) {
      const ids = queued
        .slice(i, i + 7 * 1000)
        .filter((_, j) => j % 7 === 0)
        .map((d) => d.transactionId);
      await t.sql.query(`INSERT INTO ${t.s}feedback (transaction_id, label, reported_at) SELECT unnest($1::text[]), 'legit', now()`, [ids]);
    }
    await t.sql.query(`ANALYZE ${t.s}decisions`);
    await t.sql.query(`ANALYZE ${t.s}feedback`);
    console.log(
      `${N} decisions (${queued.length} review/decline, 1 in 7 labelled) written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    console.log("query                                         pages  first ms  median ms  p95 ms  max ms");
    const cases = [
      "",
      "sort=riskiest",
      "decision=review,decline&sort=riskiest",
      "merchant=m-7",
      "card=card-42",
      "minScore=0.3&maxScore=0.45&model=v2",
      `from=${new Date(end - 7 * 86_400_000).toISOString()}&to=${new Date(end - 86_400_000).toISOString()}`,
    ];
    let worst = 0;
    for (const query of cases) {
      const times: number[] = [];
      let after: string | undefined;
      for (let p = 0; p < PAGES; p++) {
        const q = new URLSearchParams(query);
        if (after) q.set("after", after);
        started = performance.now();
        const page = await queuePage(t.sql, t.s, parseQueueQuery(q));
        times.push(performance.now() - started);
        after = page.next;
        if (!after) break;
      }
      const sorted = [...times].sort((a, b) => a - b);
      worst = Math.max(worst, quantile(sorted, 0.95));
      console.log(
        `${(query || "(default: review, newest)").slice(0, 44).padEnd(46)}${String(times.length).padStart(5)}  ${times[0].toFixed(1).padStart(8)}  ${quantile(sorted, 0.5).toFixed(1).padStart(9)}  ${quantile(sorted, 0.95).toFixed(1).padStart(6)}  ${sorted.at(-1)!.toFixed(1).padStart(6)}`,
      );
    }
    // the same depth by OFFSET, for comparison: the table scanned up to the page every time
    const offsetTimes: number[] = [];
    for (const page of [0, 50, 99]) {
      started = performance.now();
      await t.sql.query(
        `SELECT d.transaction_id FROM ${t.s}decisions d WHERE d.decision IN ('review','decline') AND d.decision = 'review'
         AND NOT EXISTS (SELECT 1 FROM ${t.s}feedback f WHERE f.transaction_id = d.transaction_id)
         ORDER BY d.score DESC, d.occurred_at DESC, d.transaction_id DESC OFFSET ${page * 50} LIMIT 51`,
      );
      offsetTimes.push(performance.now() - started);
    }
    console.log(`OFFSET, riskiest reviews, pages 1/51/100: ${offsetTimes.map((x) => x.toFixed(1)).join(" / ")} ms`);
    console.log(`worst p95 per page: ${worst.toFixed(1)} ms (target < 50 ms) ${worst < 50 ? "OK" : "MISSED"}`);
    if (worst >= 50) process.exitCode = 1;
  } finally {
    await t.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
