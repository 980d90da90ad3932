import { describe, expect, it } from "vitest";
import { runQualityComparison } from "./quality-comparison";
import { QUICK_TUNING } from "./tuning";
import { qualitySimulation } from "./quality-data";
import { formatQualityReport } from "./quality-report";

// A tenth of the Handbook's population over 60 days, with the protocol's windows moved inside it.
const population = { days: 60, cards: 500, merchants: 1000 };
const windows = { trainStart: "2018-05-01", trainEnd: "2018-05-07", testStart: "2018-05-15", testEnd: "2018-05-21" };

describe("bench:quality data", () => {
  it("keeps the Handbook's daily fraud rates per card and terminal in a smaller population", () => {
    expect(qualitySimulation("handbook", 7, population)).toMatchObject({
      ...population,
      seed: 7,
      startDate: "2018-04-01",
      reportTimes: false,
      compromisedMerchantsPerDay: 0.2,
      compromisedCardsPerDay: 0.3,
    });
  });

  it("moves terminal fraud from compromised terminals to dormant ones in the recency data", () => {
    const recency = qualitySimulation("recency", 7, population);
    expect(recency.compromisedMerchantsPerDay).toBe(0);
    expect(recency.dormantTerminalsPerDay).toBeGreaterThan(0);
    expect(recency.compromisedCardsPerDay).toBe(0.3);
  });
});

// One data kind end to end: the recency data goes through the same code with other simulator options.
describe("bench:quality end to end on small Handbook data", () => {
  const data = "handbook";
  it("measures our trainer and both references on the same test rows", async () => {
    const run = await runQualityComparison({ data, seed: 1, population, windows, tuning: QUICK_TUNING });

    expect(run).toMatchObject({ data, seed: 1, population, startDate: "2018-04-01" });
    expect(run.windows).toBe("train 2018-05-01..2018-05-07, gap 7 days, test 2018-05-15..2018-05-21");
    // ~2 transactions per card-day, 7 days a window
    for (const w of [run.train, run.test]) {
      expect(w.rows).toBeGreaterThan(5000);
      expect(w.rows).toBeLessThan(8000);
      expect(w.frauds).toBeGreaterThan(10);
    }
    expect(run.models.map((m) => m.model)).toEqual([
      "our trainer: XGBoost, our features",
      "our trainer: its logistic baseline",
      "Handbook: XGBoost, book features",
      "Handbook: logistic, book features",
    ]);
    for (const m of run.models) {
      for (const v of [m.auc, m.averagePrecision, m.cardPrecisionAt100]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    // above random: AUC 0.5, average precision the fraud share
    const fraudShare = run.test.frauds / run.test.rows;
    for (const m of run.models.filter((m) => m.model.startsWith("Handbook"))) {
      expect(m.auc).toBeGreaterThan(0.6);
      expect(m.averagePrecision).toBeGreaterThan(2 * fraudShare);
      expect(m.seconds).toBeGreaterThan(0);
    }

    const text = formatQualityReport({
      benchmark: "bench:quality",
      commit: "abc1234",
      uncommittedChanges: false,
      seed: 1,
      node: "v20",
      runs: [run],
    });
    expect(text).toContain(`${data} data: ${run.transactions} transactions`);
    expect(text).toMatch(/^model +AUC +AP +CP@100 +seconds$/m);
    expect(text).toMatch(/^Handbook: logistic, book features +0\.\d{4} +0\.\d{4} +[01]\.\d{4} +\d+\.\d$/m);
  }, 30_000);
});
