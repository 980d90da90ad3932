/**
 * Transactions held column-wise: typed arrays for numbers and interned codes for repeated strings,
 * so a few million rows cost tens of bytes each instead of a JavaScript object and its strings.
 * Both loaders (CSV, PostgreSQL) fill a `DatasetBuilder`; everything after loading sees a `Dataset`.
 */
import { CHANNELS, type Channel, type Transaction } from "../features/types";

/** A column of repeated strings: `codes[i]` indexes `values`; code 0 means absent. */
export interface InternedColumn {
  readonly codes: Uint16Array;
  readonly values: readonly (string | undefined)[];
}

export interface Dataset {
  readonly size: number;
  readonly transactionIds: readonly string[];
  /** Epoch ms, UTC. */
  readonly timestamps: Float64Array;
  readonly amounts: Float64Array;
  readonly labels: Uint8Array;
  /** Epoch ms when a fraud label was reported; NaN when unknown (the configured delay applies). */
  readonly labelReportedAt: Float64Array;
  readonly cards: Int32Array;
  readonly cardIds: readonly string[];
  readonly merchants: Int32Array;
  readonly merchantIds: readonly string[];
  readonly currency: InternedColumn;
  readonly merchantCategory: InternedColumn;
  readonly country: InternedColumn;
  readonly channel: InternedColumn;
}

export interface RowInput {
  readonly transactionId: string;
  readonly timestamp: number;
  readonly cardId: string;
  readonly merchantId: string;
  readonly amount: number;
  readonly label: 0 | 1;
  readonly labelReportedAt?: number;
  readonly currency?: string;
  readonly merchantCategory?: string;
  readonly country?: string;
  readonly channel?: Channel;
}

/** A row as a loader read it, before any check. */
export interface RawRow {
  transactionId: string;
  timestamp: number;
  cardId: string;
  merchantId: string;
  amount: number;
  label: number;
  labelReportedAt?: number;
  currency?: string;
  merchantCategory?: string;
  country?: string;
  channel?: string;
}

/**
 * Why a row cannot be used, or undefined when it can. The same checks for every source. Only the
 * fields training needs: the optional columns are VocabularyCounter's (a value outside the
 * API's vocabulary there does not make the row unusable).
 */
export function rowProblem(row: RawRow): string | undefined {
  if (!row.transactionId) return "empty transaction_id";
  if (!Number.isFinite(row.timestamp)) return "timestamp is not ISO 8601 with a UTC offset";
  if (!row.cardId) return "empty card_id";
  if (!row.merchantId) return "empty merchant_id";
  if (!(row.amount > 0) || !Number.isFinite(row.amount)) return "amount must be a number > 0";
  if (row.label !== 0 && row.label !== 1) return "label must be 0 or 1";
  // the label's timing feeds the merchant risk features: a wrong one is not a detail
  if (row.labelReportedAt !== undefined && !Number.isFinite(row.labelReportedAt)) return "label_reported_at is not ISO 8601";
  return undefined;
}

const CURRENCY = /^[A-Z]{3}$/;
const MCC = /^\d{4}$/;
const COUNTRY = /^[A-Z]{2}$/;

/** The optional columns and the values the API accepts in them (as serving/validate.ts checks them). */
const VOCABULARY = [
  { field: "currency", column: "currency", vocabulary: "ISO 4217 (3 capital letters)", accepts: (v: string) => CURRENCY.test(v) },
  { field: "merchantCategory", column: "merchant_category", vocabulary: "4-digit MCC", accepts: (v: string) => MCC.test(v) },
  { field: "country", column: "country", vocabulary: "ISO 3166 alpha-2", accepts: (v: string) => COUNTRY.test(v) },
  {
    field: "channel",
    column: "channel",
    vocabulary: CHANNELS.join("|"),
    accepts: (v: string) => (CHANNELS as readonly string[]).includes(v),
  },
] as const;

/** Values of one optional column outside the API's vocabulary, kept as absent. */
export interface OutOfVocabulary {
  /** The column's name in the CSV and in the decision log. */
  readonly column: string;
  /** What the API accepts there. */
  readonly vocabulary: string;
  readonly count: number;
  /** The first distinct values seen (at most `keepExamples`). */
  readonly examples: readonly string[];
}

/**
 * Keeps rows whose optional columns hold values the API would refuse (a channel "moto", an MCC
 * "12"): the model uses none of these columns, so such a value is no reason to lose the row's
 * transaction from the card and merchant histories. The value becomes absent, as in a row
 * without it, and is counted per column for the report.
 */
export class VocabularyCounter {
  private readonly counts = VOCABULARY.map(() => ({ count: 0, examples: new Set<string>() }));

  constructor(private readonly keepExamples = 5) {}

  /** The row to add, for a row that passed rowProblem. */
  keep(row: RawRow): RowInput {
    const kept: Record<(typeof VOCABULARY)[number]["field"], string | undefined> = {
      currency: row.currency,
      merchantCategory: row.merchantCategory,
      country: row.country,
      channel: row.channel,
    };
    for (let i = 0; i < VOCABULARY.length; i++) {
      const { field, accepts } = VOCABULARY[i]!;
      const value = kept[field];
      if (value === undefined || accepts(value)) continue;
      const c = this.counts[i]!;
      c.count++;
      if (c.examples.size < this.keepExamples) c.examples.add(value);
      kept[field] = undefined;
    }
    return {
      transactionId: row.transactionId,
      timestamp: row.timestamp,
      cardId: row.cardId,
      merchantId: row.merchantId,
      amount: row.amount,
      label: row.label as 0 | 1,
      labelReportedAt: row.labelReportedAt,
      ...kept,
      // accepted above: one of CHANNELS or absent
      channel: kept.channel as Channel | undefined,
    };
  }

  /** The columns that had values outside the vocabulary. */
  report(): OutOfVocabulary[] {
    return VOCABULARY.flatMap(({ column, vocabulary }, i) => {
      const { count, examples } = this.counts[i]!;
      return count === 0 ? [] : [{ column, vocabulary, count, examples: [...examples] }];
    });
  }
}

class Interner {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [];

  code(value: string): number {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.values.push(value);
      this.index.set(value, code);
    }
    return code;
  }
}

/** Interned optional strings; code 0 is reserved for "absent". */
class OptionalInterner {
  private readonly index = new Map<string, number>();
  readonly values: (string | undefined)[] = [undefined];

  code(value: string | undefined): number {
    if (value === undefined) return 0;
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.values.length;
      if (code > 0xffff) throw new Error(`more than 65535 distinct values in an optional column (last: ${value})`);
      this.values.push(value);
      this.index.set(value, code);
    }
    return code;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint16Array>(a: T, capacity: number): T {
  const next = new (a.constructor as new (n: number) => T)(capacity);
  next.set(a);
  return next;
}

export class DatasetBuilder {
  private capacity: number;
  private n = 0;
  private ids: string[] = [];
  private ts: Float64Array;
  private amount: Float64Array;
  private label: Uint8Array;
  private reported: Float64Array;
  private card: Int32Array;
  private merchant: Int32Array;
  private cur: Uint16Array;
  private mcc: Uint16Array;
  private ctry: Uint16Array;
  private chan: Uint16Array;
  private readonly cardNames = new Interner();
  private readonly merchantNames = new Interner();
  private readonly currencies = new OptionalInterner();
  private readonly categories = new OptionalInterner();
  private readonly countries = new OptionalInterner();
  private readonly channels = new OptionalInterner();

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.ts = new Float64Array(initialCapacity);
    this.amount = new Float64Array(initialCapacity);
    this.label = new Uint8Array(initialCapacity);
    this.reported = new Float64Array(initialCapacity);
    this.card = new Int32Array(initialCapacity);
    this.merchant = new Int32Array(initialCapacity);
    this.cur = new Uint16Array(initialCapacity);
    this.mcc = new Uint16Array(initialCapacity);
    this.ctry = new Uint16Array(initialCapacity);
    this.chan = new Uint16Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  /** Adds a row that passed `rowProblem`. */
  add(row: RowInput): void {
    if (this.n === this.capacity) {
      const c = this.capacity * 2;
      this.ts = grow(this.ts, c);
      this.amount = grow(this.amount, c);
      this.label = grow(this.label, c);
      this.reported = grow(this.reported, c);
      this.card = grow(this.card, c);
      this.merchant = grow(this.merchant, c);
      this.cur = grow(this.cur, c);
      this.mcc = grow(this.mcc, c);
      this.ctry = grow(this.ctry, c);
      this.chan = grow(this.chan, c);
      this.capacity = c;
    }
    const i = this.n++;
    this.ids.push(row.transactionId);
    this.ts[i] = row.timestamp;
    this.amount[i] = row.amount;
    this.label[i] = row.label;
    this.reported[i] = row.labelReportedAt ?? Number.NaN;
    this.card[i] = this.cardNames.code(row.cardId);
    this.merchant[i] = this.merchantNames.code(row.merchantId);
    this.cur[i] = this.currencies.code(row.currency);
    this.mcc[i] = this.categories.code(row.merchantCategory);
    this.ctry[i] = this.countries.code(row.country);
    this.chan[i] = this.channels.code(row.channel);
  }

  finish(): Dataset {
    const n = this.n;
    return {
      size: n,
      transactionIds: this.ids,
      timestamps: this.ts.subarray(0, n),
      amounts: this.amount.subarray(0, n),
      labels: this.label.subarray(0, n),
      labelReportedAt: this.reported.subarray(0, n),
      cards: this.card.subarray(0, n),
      cardIds: this.cardNames.values,
      merchants: this.merchant.subarray(0, n),
      merchantIds: this.merchantNames.values,
      currency: { codes: this.cur.subarray(0, n), values: this.currencies.values },
      merchantCategory: { codes: this.mcc.subarray(0, n), values: this.categories.values },
      country: { codes: this.ctry.subarray(0, n), values: this.countries.values },
      channel: { codes: this.chan.subarray(0, n), values: this.channels.values },
    };
  }
}

/** Row `i` as the shared feature module's Transaction (one object literal: this runs per row). */
export function transactionAt(d: Dataset, i: number): Transaction {
  return {
    transactionId: d.transactionIds[i]!,
    timestamp: d.timestamps[i]!,
    cardId: d.cardIds[d.cards[i]!]!,
    merchantId: d.merchantIds[d.merchants[i]!]!,
    amount: d.amounts[i]!,
    currency: d.currency.values[d.currency.codes[i]!],
    merchantCategory: d.merchantCategory.values[d.merchantCategory.codes[i]!],
    country: d.country.values[d.country.codes[i]!],
    channel: d.channel.values[d.channel.codes[i]!] as Channel | undefined,
  };
}

/**
 * Row indices in (timestamp, transactionId) order: the order the feature pass must replay. Sorts a
 * Uint32Array of indices (4 bytes a row) and skips the sort when the input is already in order,
 * as the simulator's output is.
 */
export function eventOrder(d: Dataset): Uint32Array {
  const order = new Uint32Array(d.size);
  for (let i = 0; i < d.size; i++) order[i] = i;
  const ts = d.timestamps;
  const ids = d.transactionIds;
  const before = (a: number, b: number): number => {
    const dt = ts[a]! - ts[b]!;
    if (dt !== 0) return dt;
    const ia = ids[a]!;
    const ib = ids[b]!;
    return ia < ib ? -1 : ia > ib ? 1 : a - b;
  };
  let sorted = true;
  for (let i = 1; i < d.size && sorted; i++) if (before(i - 1, i) > 0) sorted = false;
  if (!sorted) order.sort(before);
  return order;
}
