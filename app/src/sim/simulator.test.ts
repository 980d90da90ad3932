import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCsv } from "../trainer/csv-reader";
import { writeSimulationCsv } from "./csv-writer";
import { HANDBOOK_SIMULATION, simulateDays, type SimulatedTransaction, type SimulationOptions } from "./simulator";

const opts: SimulationOptions = { days: 60, cards: 400, merchants: 800, seed: 3 };
const all = (o: SimulationOptions = opts): SimulatedTransaction[] => [...simulateDays(o)].flat();
const dir = mkdtempSync(join(tmpdir(), "sim-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("simulator (Fraud Detection Handbook scenarios)", () => {
  const txs = all();

  it("is reproducible from the seed and changes with it", async () => {
    const a = join(dir, "a.csv");
    const b = join(dir, "b.csv");
    await writeSimulationCsv({ ...opts, days: 10 }, a);
    await writeSimulationCsv({ ...opts, days: 10 }, b);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    const c = all({ ...opts, days: 10, seed: 4 });
    expect(c.map((t) => t.amount)).not.toEqual(all({ ...opts, days: 10 }).map((t) => t.amount));
  });

  it("produces the Handbook's traffic: ~2 transactions per card-day, times in the day, amounts > 0", () => {
    const perCardDay = txs.length / (opts.cards * opts.days);
    expect(perCardDay).toBeGreaterThan(1.6);
    expect(perCardDay).toBeLessThan(2.2);
    const start = Date.UTC(2018, 3, 1);
    expect(txs[0]!.timestamp).toBeGreaterThanOrEqual(start);
    expect(txs.at(-1)!.timestamp).toBeLessThan(start + opts.days * 86_400_000);
    for (let i = 1; i < txs.length; i++) expect(txs[i]!.timestamp >= txs[i - 1]!.timestamp).toBe(true);
    expect(txs.every((t) => t.amount > 0)).toBe(true);
    expect(new Set(txs.map((t) => t.transactionId)).size).toBe(txs.length);
  });

  it("has all three fraud scenarios in about the Handbook's proportions", () => {
    const frauds = txs.filter((t) => t.label === 1);
    const share = frauds.length / txs.length;
    expect(share).toBeGreaterThan(0.003);
    expect(share).toBeLessThan(0.02);
    const by = [1, 2, 3].map((s) => frauds.filter((t) => t.scenario === s).length / frauds.length);
    expect(by[0]).toBeGreaterThan(0.02); // large amounts: a small share
    expect(by[1]).toBeGreaterThan(by[0]!); // compromised terminals: the largest
    expect(by[2]).toBeGreaterThan(0.1); // compromised cards
    expect(txs.filter((t) => t.scenario === 0).every((t) => t.label === 0 && t.labelReportedAt === undefined)).toBe(true);
  });

  it("labels each scenario by its rule", () => {
    expect(txs.filter((t) => t.scenario === 1).every((t) => t.amount > 220)).toBe(true);
    // scenario 2: every later transaction at that terminal within 28 days is fraud too
    const firstCompromise = new Map<string, number>();
    for (const t of txs) if (t.scenario === 2 && !firstCompromise.has(t.merchantId)) firstCompromise.set(t.merchantId, t.timestamp);
    for (const t of txs) {
      const since = firstCompromise.get(t.merchantId);
      if (since !== undefined && t.timestamp >= since && t.timestamp < since + 86_400_000) expect(t.label).toBe(1);
    }
    // genuine amounts above 220 do not exist (scenario 1 catches them all)
    expect(txs.filter((t) => t.label === 0).every((t) => t.amount <= 220)).toBe(true);
  });

  it("reports frauds after the fact, sometimes beyond a 7-day label delay", () => {
    const frauds = txs.filter((t) => t.label === 1);
    expect(frauds.every((t) => t.labelReportedAt! > t.timestamp)).toBe(true);
    const late = frauds.filter((t) => t.labelReportedAt! - t.timestamp > 7 * 86_400_000).length / frauds.length;
    expect(late).toBeGreaterThan(0.05);
    expect(late).toBeLessThan(0.35);
  });

  it("writes the training CSV that the reader loads back unchanged", async () => {
    const path = join(dir, "sim.csv");
    const summary = await writeSimulationCsv({ ...opts, days: 15 }, path);
    const { dataset: d, badRows } = await loadCsv(path);
    const expected = all({ ...opts, days: 15 });
    expect(badRows.count).toBe(0);
    expect(d.size).toBe(summary.rows);
    expect(d.size).toBe(expected.length);
    const i = expected.findIndex((t) => t.label === 1);
    expect(d.transactionIds[i]).toBe(expected[i]!.transactionId);
    expect(d.timestamps[i]).toBe(expected[i]!.timestamp);
    expect(d.amounts[i]).toBe(expected[i]!.amount);
    expect(d.labelReportedAt[i]).toBe(expected[i]!.labelReportedAt);
    expect(d.cardIds[d.cards[i]!]).toBe(expected[i]!.cardId);
    expect(d.channel.values[d.channel.codes[i]!]).toBe(expected[i]!.channel);
  });

  it("rejects bad options", () => {
    expect(() => all({ ...opts, days: 0 })).toThrow(/--days/);
    expect(() => all({ ...opts, cards: 1.5 })).toThrow(/--cards/);
    expect(() => all({ ...opts, dormantTerminalsPerDay: -1 })).toThrow(/dormant/);
  });

  it("without report times, leaves every label to the fixed delay and changes nothing else", () => {
    const unreported = all({ ...opts, reportTimes: false });
    expect(unreported.every((t) => t.labelReportedAt === undefined)).toBe(true);
    expect(unreported.map((t) => ({ ...t, labelReportedAt: undefined }))).toEqual(txs.map((t) => ({ ...t, labelReportedAt: undefined })));
  });

  it("with the Handbook's parameters, compromises 2 terminals and 3 cards a day", () => {
    const days = 3;
    const week = all({ ...HANDBOOK_SIMULATION, days, seed: 1 });
    expect(HANDBOOK_SIMULATION).toMatchObject({ days: 183, cards: 5000, merchants: 10_000, startDate: "2018-04-01", radius: 5 });
    expect(week.every((t) => t.labelReportedAt === undefined)).toBe(true);
    expect(week.length / (5000 * days)).toBeGreaterThan(1.8);
    expect(week.length / (5000 * days)).toBeLessThan(2.1);
    // each day adds exactly 2 terminals and 3 cards (a compromised one may not transact at once)
    const distinct = (s: number, key: (t: SimulatedTransaction) => string): number =>
      new Set(week.filter((t) => t.scenario === s).map(key)).size;
    expect(distinct(2, (t) => t.merchantId)).toBeLessThanOrEqual(2 * days);
    expect(distinct(2, (t) => t.merchantId)).toBeGreaterThan(0);
    expect(distinct(3, (t) => t.cardId)).toBeLessThanOrEqual(3 * days);
    expect(distinct(3, (t) => t.cardId)).toBeGreaterThan(0);
  });

  describe("dormant terminals (the recency data)", () => {
    const recency = all({ ...opts, dormantTerminalsPerDay: 4 });
    const dayOf = (t: SimulatedTransaction): number => Math.floor(t.timestamp / 86_400_000);
    const reopenings = recency.filter((t) => t.scenario === 4);

    it("are off by default", () => {
      expect(txs.some((t) => t.scenario === 4)).toBe(false);
      expect(reopenings.length).toBeGreaterThan(100);
    });

    it("see no transaction for the 7 days before their frauds, and frauds are most of that day's", () => {
      const daysByMerchant = new Map<string, Set<number>>();
      for (const t of recency) {
        if (!daysByMerchant.has(t.merchantId)) daysByMerchant.set(t.merchantId, new Set());
        daysByMerchant.get(t.merchantId)!.add(dayOf(t));
      }
      const firstDay = dayOf(recency[0]!);
      for (const t of reopenings) {
        for (let back = 1; back <= 7 && dayOf(t) - back >= firstDay; back++) {
          expect(daysByMerchant.get(t.merchantId)!.has(dayOf(t) - back)).toBe(false);
        }
      }
      const reopened = new Set(reopenings.map((t) => `${t.merchantId}/${dayOf(t)}`));
      const sameDay = recency.filter((t) => reopened.has(`${t.merchantId}/${dayOf(t)}`));
      expect(reopenings.length / sameDay.length).toBeGreaterThan(0.6);
    });

    it("send the customers of a dormant terminal elsewhere rather than losing their traffic", () => {
      // only a customer whose every reachable terminal is dormant loses a transaction
      const regular = (list: SimulatedTransaction[]): number => list.filter((t) => t.scenario !== 4).length;
      expect(regular(recency)).toBeLessThanOrEqual(regular(txs));
      expect(regular(recency) / regular(txs)).toBeGreaterThan(0.99);
    });
  });
});

describe("simulated drift", () => {
  const base: SimulationOptions = { days: 12, cards: 300, merchants: 600, seed: 5 };
  const before = (txs: SimulatedTransaction[]) => txs.filter((t) => t.timestamp < Date.UTC(2018, 3, 1 + 8));
  const after = (txs: SimulatedTransaction[]) => txs.filter((t) => t.timestamp >= Date.UTC(2018, 3, 1 + 8));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  it("leaves the days before it as the undrifted run's, then scales amounts and brings new merchants", () => {
    const steady = all(base);
    const drifted = all({ ...base, drift: { fromDay: 8, amountFactor: 2, newMerchantShare: 0.5 } });
    expect(before(drifted)).toEqual(before(steady));
    const genuine = (txs: SimulatedTransaction[]) => after(txs).filter((t) => t.scenario === 0 || t.scenario === 1);
    expect(mean(genuine(drifted).map((t) => t.amount)) / mean(genuine(steady).map((t) => t.amount))).toBeCloseTo(2, 0);
    const newcomers = after(drifted).filter((t) => Number(t.merchantId.slice(1)) >= base.merchants);
    expect(newcomers.length / after(drifted).length).toBeGreaterThan(0.45);
    expect(newcomers.length / after(drifted).length).toBeLessThan(0.55);
    expect(newcomers.every((t) => t.merchantCategory.length > 0)).toBe(true);
  });

  it("switches a card-compromise campaign on mid-stream", () => {
    const frauds = (o: SimulationOptions) => after(all(o)).filter((t) => t.scenario === 3).length;
    expect(frauds({ ...base, drift: { fromDay: 8, compromisedCardsFactor: 20 } })).toBeGreaterThan(5 * Math.max(1, frauds(base)));
    expect(() => all({ ...base, drift: { fromDay: -1 } })).toThrow(/drift from day/);
  });
});
