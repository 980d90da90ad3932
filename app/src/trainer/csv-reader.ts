/**
 * Streaming reader for the training CSV. It works on the raw bytes of each chunk: fields are found
 * with Buffer.indexOf and numbers parsed in place, so a line costs a few small strings (the ids)
 * and no intermediate objects; the strings it keeps are fresh copies, never slices that would pin
 * a whole chunk in memory. Quoted fields (RFC 4180) take a slower, exact path.
 *
 * Bad rows are counted with their line numbers (1 is the header) and skipped; the load fails when
 * their share of the data lines exceeds `maxBadShare`. Optional columns holding values outside the
 * API's vocabulary do not make a row bad: the values are dropped and counted (VocabularyCounter).
 */
import { createReadStream } from "node:fs";
import { rowProblem, VocabularyCounter, type RawRow } from "./row-checks";
import { DatasetBuilder } from "./dataset-builder";
import { parseDecimal, parseIsoTimestamp, splitQuoted } from "./csv-fields";
import { BadRowCounter, type LoadResult } from "./load-result";

export const REQUIRED_COLUMNS = ["transaction_id", "timestamp", "card_id", "merchant_id", "amount", "label"] as const;
export const OPTIONAL_COLUMNS = ["label_reported_at", "currency", "merchant_category", "country", "channel"] as const;
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];

export interface LoadOptions {
  /** The run fails when bad rows exceed this share of data lines. Default 0.001 (0.1%). */
  readonly maxBadShare?: number;
  readonly keepExamples?: number;
  /** Called with bytes read so far, for a progress bar. */
  readonly onBytes?: (bytes: number) => void;
}

const COMMA = 44;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;

class LineParser {
  private readonly col: Record<Column, number>;
  private readonly width: number;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;

  constructor(
    header: string[],
    private readonly builder: DatasetBuilder,
    private readonly bad: BadRowCounter,
    private readonly vocabulary: VocabularyCounter,
  ) {
    const names = header.map((h) => h.trim().toLowerCase());
    const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
    if (missing.length) throw new Error(`CSV header lacks required column(s) ${missing.join(", ")} (got: ${header.join(",")})`);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`CSV header repeats column ${dup}`);
    const col = {} as Record<Column, number>;
    for (const c of [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]) col[c] = names.indexOf(c);
    this.col = col;
    this.width = names.length;
    this.starts = new Int32Array(this.width);
    this.ends = new Int32Array(this.width);
  }

  parse(b: Buffer, s: number, e: number, line: number): void {
    if (e > s && b[e - 1] === CR) e--;
    if (e === s) return; // blank line
    this.bad.lines++;
    // One pass over the line's bytes: a JS loop beats Buffer.indexOf's per-call cost on short fields.
    let f = 0;
    this.starts[0] = s;
    for (let i = s; i < e; i++) {
      const c = b[i]!;
      if (c === COMMA) {
        if (f === this.width - 1) {
          this.bad.bad(line, `expected ${this.width} fields, got more`);
          return;
        }
        this.ends[f++] = i;
        this.starts[f] = i + 1;
      } else if (c === QUOTE) {
        this.parseQuoted(b.toString("utf8", s, e), line);
        return;
      }
    }
    if (f !== this.width - 1) {
      this.bad.bad(line, `expected ${this.width} fields, got ${f + 1}`);
      return;
    }
    this.ends[f] = e;
    const field = (name: Column): string | undefined => {
      const f = this.col[name];
      if (f < 0 || this.starts[f] === this.ends[f]) return undefined;
      return b.toString("utf8", this.starts[f]!, this.ends[f]!);
    };
    const range = (name: Column): [number, number] => [this.starts[this.col[name]]!, this.ends[this.col[name]]!];
    const [ts0, ts1] = range("timestamp");
    const [am0, am1] = range("amount");
    const [lb0, lb1] = range("label");
    const label = lb1 - lb0 === 1 ? b[lb0]! - 48 : -1;
    let reportedAt: number | undefined;
    if (this.col.label_reported_at >= 0) {
      const [r0, r1] = range("label_reported_at");
      if (r1 > r0) reportedAt = parseIsoTimestamp(b, r0, r1);
    }
    this.accept(line, {
      transactionId: field("transaction_id") ?? "",
      timestamp: parseIsoTimestamp(b, ts0, ts1),
      cardId: field("card_id") ?? "",
      merchantId: field("merchant_id") ?? "",
      amount: parseDecimal(b, am0, am1),
      label,
      labelReportedAt: reportedAt,
      currency: field("currency"),
      merchantCategory: field("merchant_category"),
      country: field("country"),
      channel: field("channel"),
    });
  }

  private parseQuoted(text: string, line: number): void {
    const fields = splitQuoted(text);
    if (!fields) return this.bad.bad(line, "malformed quoting");
    if (fields.length !== this.width) return this.bad.bad(line, `expected ${this.width} fields, got ${fields.length}`);
    const get = (name: Column): string | undefined => {
      const f = this.col[name];
      return f < 0 || fields[f] === "" ? undefined : fields[f];
    };
    const ts = (v: string | undefined): number =>
      v === undefined ? Number.NaN : parseIsoTimestamp(Buffer.from(v), 0, Buffer.byteLength(v));
    const reported = get("label_reported_at");
    const amount = get("amount");
    const label = get("label");
    this.accept(line, {
      transactionId: get("transaction_id") ?? "",
      timestamp: ts(get("timestamp")),
      cardId: get("card_id") ?? "",
      merchantId: get("merchant_id") ?? "",
      amount: amount === undefined ? Number.NaN : parseDecimal(Buffer.from(amount), 0, Buffer.byteLength(amount)),
      label: label === "0" ? 0 : label === "1" ? 1 : -1,
      labelReportedAt: reported === undefined ? undefined : ts(reported),
      currency: get("currency"),
      merchantCategory: get("merchant_category"),
      country: get("country"),
      channel: get("channel"),
    });
  }

  private accept(line: number, row: RawRow): void {
    const problem = rowProblem(row);
    if (problem) {
      this.bad.bad(line, problem);
      return;
    }
    this.builder.add(this.vocabulary.keep(row));
  }
}

/** Reads a whole CSV file into a Dataset, streaming it in 1 MiB chunks. */
export async function loadCsv(path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const maxBadShare = options.maxBadShare ?? 0.001;
  const bad = new BadRowCounter(options.keepExamples);
  const vocabulary = new VocabularyCounter();
  const builder = new DatasetBuilder();
  let parser: LineParser | undefined;
  let ignoredColumns: string[] = [];
  let carry: Buffer | undefined;
  let line = 0;
  let bytes = 0;
  const handleLine = (b: Buffer, s: number, e: number): void => {
    line++;
    if (parser) {
      parser.parse(b, s, e, line);
      return;
    }
    let header = b.toString("utf8", s, e).replace(/\r$/, "");
    if (header.charCodeAt(0) === 0xfeff) header = header.slice(1);
    const names = splitQuoted(header);
    if (!names) throw new Error(`${path}: malformed CSV header`);
    parser = new LineParser(names, builder, bad, vocabulary);
    const known = new Set<string>([...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]);
    ignoredColumns = names.filter((n) => !known.has(n.trim().toLowerCase()));
  };
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  for await (const raw of stream as AsyncIterable<Buffer>) {
    bytes += raw.length;
    const chunk = carry ? Buffer.concat([carry, raw]) : raw;
    let s = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, s);
      if (nl < 0) break;
      handleLine(chunk, s, nl);
      s = nl + 1;
    }
    // Copy the partial line so the chunk itself can be collected.
    carry = s < chunk.length ? Buffer.from(chunk.subarray(s)) : undefined;
    options.onBytes?.(bytes);
  }
  if (carry && carry.length) handleLine(carry, 0, carry.length);
  if (!parser) throw new Error(`${path}: empty file (no CSV header)`);
  bad.check(maxBadShare, path);
  return { dataset: builder.finish(), badRows: bad.report(), outOfVocabulary: vocabulary.report(), ignoredColumns };
}
