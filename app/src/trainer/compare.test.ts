import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { DecisionOutcome } from "../domain/decision";
import { Prng } from "../sim/prng";
import { LocalRegistry } from "../registry/local-registry";
import { DecisionLog } from "../store/decision-log";
import { migrate } from "../store/migrate";
import { postgresClient, type SqlClient } from "../store/sql";
import { testDecision } from "../testing/decision-fixtures";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { compareDecisions, latestComparison, type ComparedDecision } from "./compare";
import { DEFAULT_GATE } from "./gate";
import { main } from "./main";

const DAY = 86_400_000;
const decide = (s: number): DecisionOutcome => (s >= 0.9 ? "decline" : s >= 0.5 ? "review" : "approve");

/** `n` decisions over 10 days and 300 cards, 5% fraud; the challenger ranks frauds first, the champion at random. */
function labelled(n: number, seed = 3, start = Date.UTC(2024, 0, 1)): ComparedDecision[] {
  const rng = new Prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = rng.nextUint32() % 20 === 0 ? 1 : 0;
    const championScore = (rng.nextUint32() % 1000) / 1000;
    const challengerScore = label ? 0.6 + (rng.nextUint32() % 400) / 1000 : (rng.nextUint32() % 700) / 1000;
    return {
      occurredAt: start + Math.floor((i / n) * 10 * DAY),
      cardId: `card-${rng.nextUint32() % 300}`,
      mode: "shadow" as const,
      championVersion: "v1",
      championScore,
      championDecision: decide(championScore),
      challengerVersion: "v2",
      challengerScore,
      challengerDecision: decide(challengerScore),
      label: label as 0 | 1,
    };
  });
}

describe("champion vs challenger", () => {
  it("finds the better challenger, with intervals that exclude no difference", () => {
    const [p] = compareDecisions(labelled(4000), { gate: DEFAULT_GATE, resamples: 100 });
    expect(p).toMatchObject({ champion: "v1", challenger: "v2", modes: ["shadow"], rows: 4000 });
    expect(p.metrics.champion.auc.value).toBeGreaterThan(0.4);
    expect(p.metrics.champion.auc.value).toBeLessThan(0.6);
    expect(p.metrics.challenger.auc.value).toBeGreaterThan(0.9);
    const d = p.metrics.difference.averagePrecision;
    expect(d.low).toBeGreaterThan(0);
    expect(d.low).toBeLessThanOrEqual(d.value);
    expect(d.value).toBeLessThanOrEqual(d.high);
    expect(p.verdict.better).toBe(true);
    // rates are counted, not estimated: the challenger reviews every fraud-looking score
    const reviewRate = labelled(4000).filter((r) => r.challengerDecision === "review").length / 4000;
    expect(p.metrics.challenger.reviewRate.value).toBeCloseTo(reviewRate, 12);
  });

  it("says not better when the champion is the better one, and a tie is within the gate's margin", () => {
    const swapped = labelled(4000).map((r) => ({
      ...r,
      championScore: r.challengerScore,
      challengerScore: r.championScore,
      championDecision: r.challengerDecision,
      challengerDecision: r.championDecision,
    }));
    const [worse] = compareDecisions(swapped, { gate: DEFAULT_GATE, resamples: 50 });
    expect(worse.verdict.better).toBe(false);
    expect(worse.verdict.reason).toMatch(/worse than production/);
    const same = labelled(2000).map((r) => ({ ...r, challengerScore: r.championScore, challengerDecision: r.championDecision }));
    const [tie] = compareDecisions(same, { gate: DEFAULT_GATE, resamples: 50 });
    expect(tie.metrics.difference.auc).toEqual({ value: 0, low: 0, high: 0 });
    expect(tie.verdict.better).toBe(true);
  });

  it("keeps in a pair's latest comparison only the pair and the window, whatever else the caller's window holds", () => {
    const [p] = compareDecisions(labelled(1000), { gate: DEFAULT_GATE, resamples: 20 });
    const window = { at: "2026-12-08T01:00:00.000Z", since: "2026-11-01T00:00:00.000Z", until: "2026-12-01T00:00:00.000Z" };
    // main.ts's report is such a window with every pair in it
    const latest = latestComparison(p, { ...window, pairs: [p, p] } as typeof window, "comparisons/x");
    expect(latest).toEqual({
      champion: "v1",
      challenger: "v2",
      ...window,
      report: "comparisons/x",
      rows: p.rows,
      frauds: p.frauds,
      cards: p.cards,
      better: p.verdict.better,
      metrics: p.metrics,
    });
  });
});

describeWithPostgres("npm run compare on a labelled decision log", (databaseUrl) => {
  const schema = uniqueTestName("compare");
  let sql: SqlClient;
  const dir = mkdtempSync(join(tmpdir(), "compare-"));
  const now = Date.now();
  const older = labelled(3000, 5, now - 30 * DAY);
  // within the label delay (7 days): its frauds may not be reported yet, so it must not count
  const recent = labelled(500, 6, now - 3 * DAY);

  beforeAll(async () => {
    sql = postgresClient({ connectionString: databaseUrl, max: 1 });
    await migrate(sql, schema);
    const log = new DecisionLog(sql, { schema, capacity: 10 });
    const records = [...older, ...recent].map((r, i) =>
      testDecision(`cmp-${i}`, {
        occurredAt: r.occurredAt,
        cardId: r.cardId,
        score: r.championScore,
        decision: r.championDecision,
        challenger: {
          mode: r.mode,
          championVersion: r.championVersion,
          championScore: r.championScore,
          championDecision: r.championDecision,
          challengerVersion: r.challengerVersion,
          challengerScore: r.challengerScore,
          challengerDecision: r.challengerDecision,
        },
      }),
    );
    for (let i = 0; i < records.length; i += 1000) await log.insertMissing(records.slice(i, i + 1000));
    // a degraded decision is left out, whatever its scores
    await log.insertMissing([{ ...records[0], transactionId: "cmp-degraded", degraded: true }]);
    const frauds = [...older, ...recent].flatMap((r, i) => (r.label ? [`cmp-${i}`] : []));
    for (const id of frauds) await log.recordFeedback({ transactionId: id, label: "fraud", reportedAt: now - DAY });
  }, 60_000);
  afterAll(async () => {
    await sql.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("compares on the decisions older than the label delay, and stores the report and metrics in the registry", async () => {
    let out = "";
    let err = "";
    const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => ((err += String(s)), true));
    let code: number;
    try {
      code = await main([
        "compare",
        // the CronJob's form
        "--since-days",
        "60",
        "--database-url",
        databaseUrl,
        "--pg-schema",
        schema,
        "--registry",
        dir,
        "--resamples",
        "50",
        "--json",
      ]);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    expect(code, err).toBe(0);
    const result = JSON.parse(out);
    expect(result.pairs).toHaveLength(1);
    const [p] = result.pairs;
    expect(p.rows).toBe(older.length);
    expect(p.frauds).toBe(older.filter((r) => r.label).length);
    expect(p.verdict.better).toBe(true);
    expect(p.metrics.difference.auc.low).toBeGreaterThan(0);
    const [report] = readdirSync(join(dir, "comparisons"));
    expect(report).toMatch(/^v1-vs-v2-\d{8}T\d{6}Z$/);
    const files = join(dir, "comparisons", report);
    expect(readdirSync(files).sort()).toEqual(["comparison.json", "index.html"]);
    expect(readFileSync(join(files, "index.html"), "utf8")).toContain("challenger better");
    // the pair's latest comparison, which the API exports
    const latest = await new LocalRegistry(dir).readLatestComparison("v1", "v2");
    expect(latest).toMatchObject({ champion: "v1", challenger: "v2", rows: p.rows, frauds: p.frauds, cards: p.cards, better: true });
    // the file as every replica reads it on every poll: this pair's figures, not the whole run
    const raw = JSON.parse(readFileSync(join(dir, "latest-comparisons", "v1", "v2.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(
      ["at", "better", "cards", "challenger", "champion", "frauds", "metrics", "report", "rows", "since", "until"].sort(),
    );
    expect(latest!.report).toBe(files);
    expect(latest!.at).toBe(result.at);
    expect(latest!.metrics.difference.auc.value).toBeCloseTo(p.metrics.difference.auc.value, 12);
  }, 60_000);
});
