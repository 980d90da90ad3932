/**
 * What the training data loaders (the CSV reader and the PostgreSQL source) return, and the bad-row
 * counting they share: bad rows are counted with their line numbers and skipped, and the load fails
 * when their share of the data lines exceeds the allowed one.
 */
import type { Dataset } from "./dataset";
import type { OutOfVocabulary } from "./row-checks";

export interface BadRow {
  readonly line: number;
  readonly reason: string;
}

export interface BadRowReport {
  /** Data lines seen (good + bad), header and blank lines excluded. */
  readonly lines: number;
  readonly count: number;
  /** The first bad rows (at most `keepExamples`). */
  readonly examples: readonly BadRow[];
}

export interface LoadResult {
  readonly dataset: Dataset;
  readonly badRows: BadRowReport;
  /** Optional columns whose values outside the API's vocabulary were kept as absent (rows kept). */
  readonly outOfVocabulary: readonly OutOfVocabulary[];
  /** Header columns the reader does not know and ignored. */
  readonly ignoredColumns: readonly string[];
}

export class BadRowsError extends Error {
  constructor(
    readonly report: BadRowReport,
    maxBadShare: number,
    source: string,
  ) {
    super(
      `${source}: ${report.count} bad rows of ${report.lines} (${((100 * report.count) / Math.max(1, report.lines)).toFixed(3)}%) ` +
        `exceed the allowed ${(100 * maxBadShare).toFixed(3)}%; first: ` +
        report.examples
          .slice(0, 10)
          .map((b) => `line ${b.line}: ${b.reason}`)
          .join("; "),
    );
    this.name = "BadRowsError";
  }
}

/** Counts bad rows and enforces the configured share; shared by the CSV and PostgreSQL loaders. */
export class BadRowCounter {
  lines = 0;
  count = 0;
  readonly examples: BadRow[] = [];

  constructor(private readonly keepExamples = 100) {}

  bad(line: number, reason: string): void {
    this.count++;
    if (this.examples.length < this.keepExamples) this.examples.push({ line, reason });
  }

  report(): BadRowReport {
    return { lines: this.lines, count: this.count, examples: this.examples };
  }

  check(maxBadShare: number, source: string): void {
    if (this.lines === 0) throw new Error(`${source}: no data rows`);
    if (this.count > maxBadShare * this.lines) throw new BadRowsError(this.report(), maxBadShare, source);
  }
}
