/**
 * The checks every loader (CSV, PostgreSQL) runs on a row it read: whether it can be used at all,
 * and which of its optional values the API would refuse.
 */
import { CHANNELS, type Channel } from "../features/types";
import type { RowInput } from "./dataset";

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
