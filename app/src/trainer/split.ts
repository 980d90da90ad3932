/**
 * Time split for training and evaluation: train on a window, leave a gap as long as the label
 * delay (labels of the last train days would not be known yet in production, and features of the
 * first test days would otherwise see the train window's outcomes), test on the following window.
 * Dates are UTC days, inclusive, as on the command line; internally windows are [start, end) in ms.
 */
import { DAY_MS } from "./metrics";

export interface SplitArgs {
  readonly trainStart?: string;
  readonly trainEnd?: string;
  readonly testStart?: string;
  readonly testEnd?: string;
  readonly delayDays: number;
}

export interface TimeSplit {
  readonly trainStart: number;
  /** Exclusive. */
  readonly trainEnd: number;
  readonly testStart: number;
  /** Exclusive. */
  readonly testEnd: number;
  readonly delayDays: number;
}

/** Default window length when the command line gives no dates: a week, as in the Handbook. */
export const DEFAULT_WINDOW_DAYS = 7;

export function parseDay(value: string, flag: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new Error(`--${flag} must be a date YYYY-MM-DD (UTC), got ${JSON.stringify(value)}`);
  }
  return ms;
}

export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Resolves the windows from whatever dates were given; missing ones are derived so that the gap is
 * exactly `delayDays` and, with no dates at all, the test window ends on the data's last day.
 */
export function resolveSplit(args: SplitArgs, lastTimestamp: number): TimeSplit {
  const delay = args.delayDays;
  if (!Number.isInteger(delay) || delay < 0) throw new Error(`--delay-days must be an integer >= 0, got ${delay}`);
  const day = (v: string | undefined, flag: string): number | undefined => (v === undefined ? undefined : parseDay(v, flag));
  let trainStart = day(args.trainStart, "train-start");
  let trainEnd = day(args.trainEnd, "train-end");
  let testStart = day(args.testStart, "test-start");
  let testEnd = day(args.testEnd, "test-end");
  const len = DEFAULT_WINDOW_DAYS * DAY_MS;
  // Inclusive day values first; each derivation keeps the gap at `delay` days.
  if (trainEnd === undefined) {
    if (trainStart !== undefined) trainEnd = trainStart + len - DAY_MS;
    else {
      testEnd ??= testStart !== undefined ? testStart + len - DAY_MS : Math.floor(lastTimestamp / DAY_MS) * DAY_MS;
      testStart ??= testEnd - len + DAY_MS;
      trainEnd = testStart - (delay + 1) * DAY_MS;
    }
  }
  trainStart ??= trainEnd - len + DAY_MS;
  testStart ??= trainEnd + (delay + 1) * DAY_MS;
  testEnd ??= testStart + (trainEnd - trainStart);
  if (trainEnd < trainStart) throw new Error(`--train-end ${formatDay(trainEnd)} is before --train-start ${formatDay(trainStart)}`);
  if (testEnd < testStart) throw new Error(`--test-end ${formatDay(testEnd)} is before --test-start ${formatDay(testStart)}`);
  const earliestTest = trainEnd + (delay + 1) * DAY_MS;
  if (testStart < earliestTest) {
    throw new Error(
      `--test-start ${formatDay(testStart)} leaves less than the ${delay}-day label delay after --train-end ${formatDay(trainEnd)}: ` +
        `the earliest test day is ${formatDay(earliestTest)}`,
    );
  }
  return { trainStart, trainEnd: trainEnd + DAY_MS, testStart, testEnd: testEnd + DAY_MS, delayDays: delay };
}

export function describeSplit(s: TimeSplit): string {
  return `train ${formatDay(s.trainStart)}..${formatDay(s.trainEnd - DAY_MS)}, gap ${s.delayDays} days, test ${formatDay(
    s.testStart,
  )}..${formatDay(s.testEnd - DAY_MS)}`;
}

/** Which window a timestamp falls in: 1 train, 2 test, 0 neither (before, gap, after). */
export function windowOf(s: TimeSplit, ts: number): 0 | 1 | 2 {
  if (ts >= s.trainStart && ts < s.trainEnd) return 1;
  if (ts >= s.testStart && ts < s.testEnd) return 2;
  return 0;
}
