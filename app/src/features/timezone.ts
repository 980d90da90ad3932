/**
 * Local hour and weekday of an instant in an IANA timezone, fast enough for the offline feature
 * pass (millions of rows). `Intl` costs microseconds per call, so the UTC offset is cached per
 * 15-minute bucket of UTC time: every offset and every transition instant in the tz database since
 * 1970 falls on a quarter hour (Newfoundland, India, Nepal, Lord Howe's 30-minute DST included).
 * To be exact even where that does not hold (older history), a bucket whose two ends disagree
 * contains a transition and is never cached: its instants go to `Intl` one by one.
 */
import { DAY_MS } from "../domain/time";

const BUCKET_MS = 15 * 60_000;
const MAX_CACHED_BUCKETS = 200_000; // ~5.7 years of quarter hours, ~10 MB worst case

export interface LocalTime {
  /** 0..23 */
  readonly hour: number;
  /** 0 = Sunday .. 6 = Saturday */
  readonly weekday: number;
}

/** Throws a RangeError naming the zone when it is not a valid IANA timezone. */
export function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new RangeError(`unknown timezone "${timezone}" (expected an IANA name such as "UTC" or "Europe/Brussels")`);
  }
}

export class TimezoneClock {
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();
  /** Sentinel stored for buckets that contain a transition. */
  private static readonly SPLIT = Number.NaN;

  constructor(readonly timezone: string) {
    assertTimezone(timezone);
    this.format =
      timezone === "UTC" || timezone === "Etc/UTC"
        ? undefined
        : new Intl.DateTimeFormat("en-US", {
            timeZone: timezone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            second: "numeric",
          });
  }

  /** Offset (local - UTC) in ms at instant `ms`, straight from Intl (the reference). */
  intlOffsetMs(ms: number): number {
    if (!this.format) return 0;
    let y = 0,
      mo = 0,
      d = 0,
      h = 0,
      mi = 0,
      s = 0;
    for (const p of this.format.formatToParts(ms)) {
      switch (p.type) {
        case "year":
          y = Number(p.value);
          break;
        case "month":
          mo = Number(p.value);
          break;
        case "day":
          d = Number(p.value);
          break;
        case "hour":
          h = Number(p.value);
          break;
        case "minute":
          mi = Number(p.value);
          break;
        case "second":
          s = Number(p.value);
          break;
      }
    }
    const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
    // formatToParts drops milliseconds: compare whole seconds
    return wallAsUtc - (ms - (((ms % 1000) + 1000) % 1000));
  }

  offsetMs(ms: number): number {
    if (!this.format) return 0;
    const bucket = Math.floor(ms / BUCKET_MS);
    let offset = this.offsets.get(bucket);
    if (offset === undefined) {
      const start = bucket * BUCKET_MS;
      const a = this.intlOffsetMs(start);
      const b = this.intlOffsetMs(start + BUCKET_MS - 1000);
      offset = a === b ? a : TimezoneClock.SPLIT;
      if (this.offsets.size >= MAX_CACHED_BUCKETS) this.offsets.clear();
      this.offsets.set(bucket, offset);
    }
    return Number.isNaN(offset) ? this.intlOffsetMs(ms) : offset;
  }

  /** The wall-clock time at `ms` written as if it were UTC epoch ms: read it with the helpers below. */
  localMs(ms: number): number {
    return ms + this.offsetMs(ms);
  }

  local(ms: number): LocalTime {
    const local = this.localMs(ms);
    return { hour: hourOfLocal(local), weekday: weekdayOfLocal(local) };
  }
}

/** 0..23 of a `localMs` value. */
export function hourOfLocal(localMs: number): number {
  return Math.floor((localMs - Math.floor(localMs / DAY_MS) * DAY_MS) / 3_600_000);
}

/** 0 = Sunday .. 6 = Saturday of a `localMs` value (1970-01-01 was a Thursday). */
export function weekdayOfLocal(localMs: number): number {
  return (((Math.floor(localMs / DAY_MS) + 4) % 7) + 7) % 7;
}

const clocks = new Map<string, TimezoneClock>();

/** One shared clock (and cache) per timezone. */
export function clockFor(timezone: string): TimezoneClock {
  let clock = clocks.get(timezone);
  if (!clock) {
    clock = new TimezoneClock(timezone);
    clocks.set(timezone, clock);
  }
  return clock;
}
