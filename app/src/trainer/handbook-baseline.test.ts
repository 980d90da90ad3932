import { describe, expect, it } from "vitest";
import type { RowInput } from "./dataset";
import { DatasetBuilder } from "./dataset-builder";
import { HANDBOOK_FEATURE_COUNT, HANDBOOK_FEATURE_NAMES, handbookFeatures } from "./handbook-baseline";

const MONDAY = Date.parse("2018-04-02T00:00:00Z");
const DAY = 86_400_000;

// Cards A, B, C at terminals T and U; times in days after Monday 2018-04-02 00:00 UTC. Several
// times sit exactly one window (or one delay) after an earlier one: pandas windows exclude that end.
const rows: [id: string, day: number, card: string, terminal: string, amount: number, fraud: 0 | 1][] = [
  ["r1", 0.5, "A", "T", 10, 1],
  ["r2", 1.25, "A", "T", 20, 0],
  ["r3", 1.5, "A", "U", 30, 0],
  ["r4", 3.5, "B", "T", 40, 0],
  ["r5", 5.125, "B", "U", 70, 0],
  ["r6", 6 + 23 / 24, "B", "U", 80, 1],
  ["r7", 8.75, "A", "T", 60, 0],
  ["r8", 10.5, "B", "T", 50, 0],
  ["r9", 15.75, "A", "T", 90, 0],
  ["r10", 14.5, "C", "U", 5, 0],
];

function features(delayDays?: number): (id: string) => Record<string, number> {
  const b = new DatasetBuilder(4);
  // out of time order on purpose; a report time must not matter (the book reads labels only)
  for (const [id, day, card, terminal, amount, fraud] of [...rows].reverse()) {
    const row: RowInput = {
      transactionId: id,
      timestamp: MONDAY + Math.round(day * DAY),
      cardId: card,
      merchantId: terminal,
      amount,
      label: fraud,
    };
    b.add(fraud ? { ...row, labelReportedAt: row.timestamp + 3_600_000 } : row);
  }
  const d = b.finish();
  const x = delayDays === undefined ? handbookFeatures(d) : handbookFeatures(d, delayDays);
  expect(x.length).toBe(d.size * HANDBOOK_FEATURE_COUNT);
  return (id) => {
    const i = d.transactionIds.indexOf(id);
    return Object.fromEntries(HANDBOOK_FEATURE_NAMES.map((name, j) => [name, x[i * HANDBOOK_FEATURE_COUNT + j]!]));
  };
}

const pick = (f: Record<string, number>, prefix: string): number[] =>
  [1, 7, 30].flatMap((w) => [
    f[`${prefix}_NB_TX_${w}DAY_WINDOW`]!,
    f[`${prefix}_${prefix === "CUSTOMER_ID" ? "AVG_AMOUNT" : "RISK"}_${w}DAY_WINDOW`]!,
  ]);

describe("the Handbook's baseline features", () => {
  const f = features();

  it("copies the amount and flags weekends and nights (hour <= 6)", () => {
    const time = (id: string): number[] => [f(id).TX_AMOUNT!, f(id).TX_DURING_WEEKEND!, f(id).TX_DURING_NIGHT!];
    expect(time("r1")).toEqual([10, 0, 0]); // Monday 12:00
    expect(time("r2")).toEqual([20, 0, 1]); // Tuesday 06:00
    expect(time("r5")).toEqual([70, 1, 1]); // Saturday 03:00
    expect(time("r6")).toEqual([80, 1, 0]); // Sunday 23:00
  });

  it("averages the customer's amounts over (t - window, t], the current transaction included", () => {
    expect(pick(f("r1"), "CUSTOMER_ID")).toEqual([1, 10, 1, 10, 1, 10]);
    expect(pick(f("r2"), "CUSTOMER_ID")).toEqual([2, 15, 2, 15, 2, 15]);
    expect(pick(f("r3"), "CUSTOMER_ID")).toEqual([2, 25, 3, 20, 3, 20]); // r1 is exactly 1 day before
    expect(pick(f("r7"), "CUSTOMER_ID")).toEqual([1, 60, 1, 60, 4, 30]);
    expect(pick(f("r9"), "CUSTOMER_ID")).toEqual([1, 90, 1, 90, 5, 42]); // r7 is exactly 7 days before
    expect(pick(f("r8"), "CUSTOMER_ID")).toEqual([1, 50, 3, 200 / 3, 4, 60]); // r4 is exactly 7 days before
    expect(pick(f("r10"), "CUSTOMER_ID")).toEqual([1, 5, 1, 5, 1, 5]);
  });

  it("counts the terminal's transactions and frauds in windows ending 7 days back", () => {
    expect(pick(f("r1"), "TERMINAL_ID")).toEqual([0, 0, 0, 0, 0, 0]);
    expect(pick(f("r4"), "TERMINAL_ID")).toEqual([0, 0, 0, 0, 0, 0]); // all its history is within the delay
    // r7 at day 8.75: (0.75, 1.75] holds r2; (-5.25, 1.75] holds r1 (fraud) and r2
    expect(pick(f("r7"), "TERMINAL_ID")).toEqual([1, 0, 2, 0.5, 2, 0.5]);
    // r8 at day 10.5: r4, exactly 7 days before, is past the delay
    expect(pick(f("r8"), "TERMINAL_ID")).toEqual([1, 0, 3, 1 / 3, 3, 1 / 3]);
    expect(pick(f("r9"), "TERMINAL_ID")).toEqual([1, 0, 2, 0, 4, 0.25]);
    // r10 at day 14.5 on U: (6.5, 7.5] holds r6 (fraud)
    expect(pick(f("r10"), "TERMINAL_ID")).toEqual([1, 1, 3, 1 / 3, 3, 1 / 3]);
  });

  it("takes the delay as a parameter", () => {
    // r9 at day 15.75 with a 1-day delay: (13.75, 14.75] is empty, (7.75, 14.75] holds r7 and r8
    expect(pick(features(1)("r9"), "TERMINAL_ID")).toEqual([0, 0, 2, 0, 5, 0.2]);
    expect(() => features(0)).toThrow(/delay/);
  });
});
