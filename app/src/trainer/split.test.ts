import { describe, expect, it } from "vitest";
import { DAY_MS } from "./metrics";
import { resolveSplit, windowOf } from "./split";

const d = (s: string): number => Date.parse(`${s}T00:00:00Z`);

describe("time split", () => {
  it("takes the Handbook dates as inclusive UTC days with the gap between", () => {
    const s = resolveSplit(
      { trainStart: "2018-07-25", trainEnd: "2018-07-31", testStart: "2018-08-08", testEnd: "2018-08-14", delayDays: 7 },
      0,
    );
    expect(s).toEqual({
      trainStart: d("2018-07-25"),
      trainEnd: d("2018-08-01"),
      testStart: d("2018-08-08"),
      testEnd: d("2018-08-15"),
      delayDays: 7,
    });
    expect(windowOf(s, d("2018-07-31") + DAY_MS - 1)).toBe(1); // last ms of the last train day
    expect(windowOf(s, d("2018-08-01"))).toBe(0); // gap
    expect(windowOf(s, d("2018-08-08") - 1)).toBe(0); // last ms of the gap
    expect(windowOf(s, d("2018-08-08"))).toBe(2);
    expect(windowOf(s, d("2018-08-15"))).toBe(0);
  });

  it("refuses a test window that starts inside the label-delay gap (leakage)", () => {
    expect(() => resolveSplit({ trainStart: "2018-07-25", trainEnd: "2018-07-31", testStart: "2018-08-07", delayDays: 7 }, 0)).toThrow(
      /earliest test day is 2018-08-08/,
    );
  });

  it("derives missing dates: test after train plus the gap, same length", () => {
    const s = resolveSplit({ trainStart: "2018-07-25", trainEnd: "2018-07-31", delayDays: 3 }, 0);
    expect([s.testStart, s.testEnd]).toEqual([d("2018-08-04"), d("2018-08-11")]);
  });

  it("without dates, tests on the data's last week and trains on the week before the gap", () => {
    const s = resolveSplit({ delayDays: 7 }, d("2018-09-27") + 12 * 3600_000);
    expect(s).toMatchObject({
      testEnd: d("2018-09-28"),
      testStart: d("2018-09-21"),
      trainEnd: d("2018-09-14"),
      trainStart: d("2018-09-07"),
    });
    expect(s.testStart - s.trainEnd).toBe(7 * DAY_MS);
  });

  it("rejects malformed and impossible dates with the flag's name", () => {
    expect(() => resolveSplit({ trainStart: "2018-02-30", delayDays: 7 }, 0)).toThrow(/--train-start/);
    expect(() => resolveSplit({ trainStart: "07/25/2018", delayDays: 7 }, 0)).toThrow(/YYYY-MM-DD/);
    expect(() => resolveSplit({ trainStart: "2018-07-25", trainEnd: "2018-07-20", delayDays: 7 }, 0)).toThrow(/before/);
    expect(() => resolveSplit({ delayDays: -1 }, 0)).toThrow(/--delay-days/);
  });
});
