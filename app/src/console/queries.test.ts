/**
 * The console's queries against real PostgreSQL: the queue's order, filters and keyset pages, the
 * decision page's history and label, the overview's figures.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { recordAudit } from "./audit";
import { decisionDetail } from "./decision-detail";
import { overview } from "./overview";
import { parseQueueQuery, queueQuery, queuePage } from "./queue";
import type { QueueItem } from "./wire";
import { manyDecisions, testSchema, type TestSchema } from "./testing/decisions";
import type { DecisionRecord } from "../store/decision-record";

const END = Date.parse("2024-06-01T00:00:00Z");

/** Every page of the queue for `query`, following `next`. */
async function allPages(t: TestSchema, query: string, limit: number): Promise<QueueItem[][]> {
  const pages: QueueItem[][] = [];
  let after: string | undefined;
  do {
    const q = new URLSearchParams(query);
    q.set("limit", String(limit));
    if (after) q.set("after", after);
    const page = await queuePage(t.sql, t.s, parseQueueQuery(q));
    pages.push(page.items);
    after = page.next;
  } while (after);
  return pages;
}

function expected(all: readonly DecisionRecord[], keep: (d: DecisionRecord) => boolean, sort: "newest" | "riskiest"): string[] {
  return all
    .filter(keep)
    .sort((a, b) =>
      sort === "riskiest"
        ? b.score - a.score || b.occurredAt - a.occurredAt || (a.transactionId < b.transactionId ? 1 : -1)
        : b.occurredAt - a.occurredAt || (a.transactionId < b.transactionId ? 1 : -1),
    )
    .map((d) => d.transactionId);
}

describe("parseQueueQuery", () => {
  it("defaults to unlabelled reviews, newest first, 50 a page", () => {
    expect(parseQueueQuery(new URLSearchParams())).toEqual({
      filters: { decisions: ["review"], sort: "newest" },
      limit: 50,
    });
  });
  it("refuses what it cannot use, each problem named", () => {
    expect(() => parseQueueQuery(new URLSearchParams("decision=approve&sort=oldest&minScore=2&limit=0&from=yesterday"))).toThrow(
      /decision: .*approve; sort: .*oldest; limit: .*; minScore: .*; from: .*yesterday/,
    );
    expect(() => parseQueueQuery(new URLSearchParams("sort=riskiest&after=bm9wZQ"))).toThrow(/after: is not a cursor/);
  });
});

describeWithPostgres("console queries", (databaseUrl) => {
  let t: TestSchema;
  const all = manyDecisions(3000, END, 24 * 10);
  const labelled = new Set<string>();

  beforeAll(async () => {
    t = await testSchema(databaseUrl, uniqueTestName("console_queries"));
    await t.insert(all);
    // every seventh review or decline is labelled: out of the queue
    for (const d of all.filter((d) => d.decision !== "approve").filter((_, i) => i % 7 === 0)) {
      await t.label(d.transactionId, d.score > 0.5 ? "fraud" : "legit", END);
      labelled.add(d.transactionId);
    }
  }, 60_000);
  afterAll(async () => t?.drop());

  const inQueue = (decisions: string[]) => (d: DecisionRecord) => decisions.includes(d.decision) && !labelled.has(d.transactionId);

  it("pages through every unlabelled review, newest first, each once, by keyset", async () => {
    const pages = await allPages(t, "", 37);
    expect(pages.flat().map((i) => i.transactionId)).toEqual(expected(all, inQueue(["review"]), "newest"));
    expect(pages.slice(0, -1).every((p) => p.length === 37)).toBe(true);
  });

  it("riskiest first over reviews and declines, ties on score and time broken by id", async () => {
    const pages = await allPages(t, "decision=review,decline&sort=riskiest", 50);
    expect(pages.flat().map((i) => i.transactionId)).toEqual(expected(all, inQueue(["review", "decline"]), "riskiest"));
  });

  it("filters by score range, merchant, card, model version and time", async () => {
    const from = END - 3 * 24 * 3_600_000;
    const to = END - 24 * 3_600_000;
    const query = `decision=review,decline&minScore=0.2&maxScore=0.6&model=v2&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const keep = (d: DecisionRecord) =>
      inQueue(["review", "decline"])(d) &&
      d.score >= 0.2 &&
      d.score <= 0.6 &&
      d.modelVersion === "v2" &&
      d.occurredAt >= from &&
      d.occurredAt < to;
    const want = expected(all, keep, "newest");
    expect(want.length).toBeGreaterThan(0);
    expect((await allPages(t, query, 5)).flat().map((i) => i.transactionId)).toEqual(want);
    expect((await allPages(t, "merchant=m-7", 10)).flat().map((i) => i.transactionId)).toEqual(
      expected(all, (d) => inQueue(["review"])(d) && d.merchantId === "m-7", "newest"),
    );
    const card = all.find((d) => d.decision === "review" && !labelled.has(d.transactionId))!.cardId;
    expect((await allPages(t, `card=${card}`, 10)).flat().map((i) => i.transactionId)).toEqual(
      expected(all, (d) => inQueue(["review"])(d) && d.cardId === card, "newest"),
    );
  });

  it("an empty queue is one empty page", async () => {
    expect(await queuePage(t.sql, t.s, parseQueueQuery(new URLSearchParams("merchant=nobody")))).toEqual({ items: [] });
  });

  it("a decision's page: the transaction, its label and who set it, the card's and merchant's history", async () => {
    const d = all.find((x) => x.decision === "review" && labelled.has(x.transactionId))!;
    await recordAudit(t.sql, t.s, {
      actor: "ana",
      role: "analyst",
      action: "label",
      target: d.transactionId,
      before: null,
      after: { label: "legit", reportedAt: new Date(END).toISOString(), note: "known customer" },
    });
    const got = (await decisionDetail(t.sql, t.s, d.transactionId))!;
    expect(got).toMatchObject({ transactionId: d.transactionId, cardId: d.cardId, score: d.score, decision: "review", reasons: d.reasons });
    expect(got.label).toMatchObject({ label: "legit", reportedAt: new Date(END).toISOString(), by: "ana", note: "known customer" });
    const cardIds = expected(all, (x) => x.cardId === d.cardId && x.transactionId !== d.transactionId, "newest").slice(0, 10);
    expect(got.cardHistory.map((h) => h.transactionId)).toEqual(cardIds);
    expect(got.merchantHistory).toHaveLength(10);
    expect(got.merchantHistory.every((h) => h.merchantId === d.merchantId)).toBe(true);
    const withLabel = got.merchantHistory.concat(got.cardHistory).filter((h) => labelled.has(h.transactionId));
    expect(withLabel.every((h) => h.label !== null)).toBe(true);
    expect(await decisionDetail(t.sql, t.s, "nope")).toBeUndefined();
  });

  it("overview: decisions per hour by outcome, rates, labels received, precision", async () => {
    const o = await overview(t.sql, t.s, 24 * 30, END);
    const count = (k: string) => all.filter((d) => d.decision === k).length;
    expect(o.totals).toEqual({ approve: count("approve"), review: count("review"), decline: count("decline") });
    expect(o.hourly.reduce((n, h) => n + h.counts.review, 0)).toBe(count("review"));
    expect(o.reviewRate).toBeCloseTo(count("review") / all.length, 12);
    const reviewsLabelled = all.filter((d) => d.decision === "review" && labelled.has(d.transactionId));
    // reviews scored 0.1-0.5: labelled fraud above 0.5 only, so none
    expect(o.precision.review).toEqual({ labelled: reviewsLabelled.length, fraud: 0, precision: 0 });
    expect(o.precision.decline.precision).toBeGreaterThan(0.9);
    // labels were received now, not in the window ending at END
    expect(o.labelsReceived).toEqual({ fraud: 0, legit: 0 });
    const now = await overview(t.sql, t.s, 24);
    expect(now.labelsReceived.fraud + now.labelsReceived.legit).toBe(labelled.size);
  });

  it("uses the queue indexes: no sort over the table for a page", async () => {
    await t.sql.query(`ANALYZE ${t.s}decisions`);
    for (const sort of ["newest", "riskiest"]) {
      const { rows } = await t.sql.query<{ "QUERY PLAN": string }>(
        `EXPLAIN ${queueQuery(t.s, parseQueueQuery(new URLSearchParams(`sort=${sort}&decision=review,decline`))).text.replace(/\$(\d+)/g, (_: string, i: string) => ["'{review,decline}'", "51"][Number(i) - 1])}`,
      );
      const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
      expect(plan).toContain(`decisions_queue_${sort}_idx`);
      expect(plan).not.toMatch(/Sort\b/);
    }
  });
});
