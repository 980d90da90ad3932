/** Fills a `Dataset` row by row, growing its typed arrays and interning its repeated strings. */
import type { Dataset, RowInput } from "./dataset";

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
