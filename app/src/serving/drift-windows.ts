/**
 * Sliding windows of counters for the drift monitor: a row of `width` counters per minute for the
 * last hour (a ring of 60), and per hour for the last day (a ring of 24). A transaction increments
 * its minute's row only; each minute's row is added into its hour's row once, when the next
 * minute starts, so the per-transaction cost does not grow with the number of windows.
 */
const MINUTE_MS = 60_000;
const MINUTES = 60;
const HOURS = 24;

export class SlidingCounts {
  /** 60 rows, the row of epoch minute m at (m % 60) * width. */
  readonly minutes: Uint32Array;
  /** 24 rows, the row of epoch hour h at (h % 24) * width; the current minute is not in it yet. */
  private readonly hours: Uint32Array;
  private minute = Number.NEGATIVE_INFINITY;
  private hour = Number.NEGATIVE_INFINITY;

  constructor(readonly width: number) {
    this.minutes = new Uint32Array(MINUTES * width);
    this.hours = new Uint32Array(HOURS * width);
  }

  /** The offset in `minutes` of the current minute's row (a clock stepping back keeps the latest row). */
  rowAt(now: number): number {
    const m = Math.floor(now / MINUTE_MS);
    if (m > this.minute) this.advance(m);
    return (this.minute % MINUTES) * this.width;
  }

  /** The sums over the last hour (the 60 minute rows) into `out`. */
  hourTotal(now: number, out: Float64Array): void {
    this.rowAt(now);
    sumRows(this.minutes, MINUTES, this.width, out);
  }

  /** The sums over the last day (24 hour rows and the minute in progress) into `out`. */
  dayTotal(now: number, out: Float64Array): void {
    const current = this.rowAt(now);
    sumRows(this.hours, HOURS, this.width, out);
    for (let j = 0; j < this.width; j++) out[j]! += this.minutes[current + j]!;
  }

  private advance(m: number): void {
    if (this.minute !== Number.NEGATIVE_INFINITY) {
      // the minute that ends goes into its hour (minutes between it and m saw no transaction)
      const h = Math.floor(this.minute / MINUTES);
      this.toHour(h);
      const src = (this.minute % MINUTES) * this.width;
      const dst = (h % HOURS) * this.width;
      for (let j = 0; j < this.width; j++) this.hours[dst + j]! += this.minutes[src + j]!;
    }
    clearPassed(this.minutes, MINUTES, this.width, this.minute, m);
    this.minute = m;
    this.toHour(Math.floor(m / MINUTES));
  }

  private toHour(h: number): void {
    if (h <= this.hour) return;
    clearPassed(this.hours, HOURS, this.width, this.hour, h);
    this.hour = h;
  }
}

/** Clears the rows of the periods after `from` up to `to` (at most every row once). */
function clearPassed(rows: Uint32Array, slots: number, width: number, from: number, to: number): void {
  const passed = Math.min(to - from, slots);
  for (let k = to - passed + 1; k <= to; k++) rows.fill(0, (k % slots) * width, (k % slots) * width + width);
}

function sumRows(rows: Uint32Array, slots: number, width: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < slots; r++) {
    const base = r * width;
    for (let j = 0; j < width; j++) out[j]! += rows[base + j]!;
  }
}
