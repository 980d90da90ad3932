/**
 * Transactions held column-wise: typed arrays for numbers and interned codes for repeated strings,
 * so a few million rows cost tens of bytes each instead of a JavaScript object and its strings.
 * Both loaders (CSV, PostgreSQL) fill a `DatasetBuilder`; everything after loading sees a `Dataset`.
 */
import type { Channel, Transaction } from "../features/types";

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
