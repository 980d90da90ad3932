import { describe, expect, it } from "vitest";
import { SlidingCounts } from "./drift-windows";

const MIN = 60_000;

describe("sliding counts", () => {
  it("keep the last 60 minutes and the last 24 hours, each minute folded into its hour once", () => {
    const w = new SlidingCounts(2);
    const start = Date.UTC(2026, 0, 1, 0, 0, 10);
    const hour = new Float64Array(2);
    const day = new Float64Array(2);
    // one count a minute for 3 hours, in column 0; column 1 only at the very first minute
    for (let m = 0; m < 180; m++) {
      const row = w.rowAt(start + m * MIN);
      w.minutes[row]!++;
      if (m === 0) w.minutes[row + 1]!++;
    }
    const now = start + 179 * MIN;
    w.hourTotal(now, hour);
    w.dayTotal(now, day);
    expect([...hour]).toEqual([60, 0]);
    expect([...day]).toEqual([180, 1]);
    // 22 hours later the first hour (00:xx) has left the day window; 2 hours after that, everything
    w.dayTotal(now + 22 * 60 * MIN, day);
    expect([...day]).toEqual([120, 0]);
    w.hourTotal(now + 22 * 60 * MIN, hour);
    expect([...hour]).toEqual([0, 0]);
    w.dayTotal(now + 24 * 60 * MIN, day);
    expect([...day]).toEqual([0, 0]);
  });

  it("counts into the latest row when the clock steps back", () => {
    const w = new SlidingCounts(1);
    const t = Date.UTC(2026, 0, 1, 12);
    const latest = w.rowAt(t);
    expect(w.rowAt(t - 5 * MIN)).toBe(latest);
    expect(w.rowAt(t + MIN)).not.toBe(latest);
  });
});
