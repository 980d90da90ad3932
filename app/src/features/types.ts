/**
 * The shared feature contract: serving (app/src/api) and training (app/src/trainer) both compute
 * features through `computeFeatures` over a `HistorySnapshot` read from a `FeatureStore`, so the
 * online and offline paths cannot drift apart. Implementations live beside this file.
 */

export const CHANNELS = ["pos", "ecom", "atm"] as const;
export type Channel = (typeof CHANNELS)[number];

/** A card transaction as both paths see it after parsing and validation. */
export interface Transaction {
  readonly transactionId: string;
  /** Epoch milliseconds, UTC. */
  readonly timestamp: number;
  readonly cardId: string;
  readonly merchantId: string;
  /** Major units (e.g. 12.34), > 0. */
  readonly amount: number;
  readonly currency?: string;
  readonly merchantCategory?: string;
  readonly country?: string;
  readonly channel?: Channel;
}

/**
 * Feature order is the model's input order; the registry metadata records it per model version,
 * with FEATURE_SET_VERSION. docs/features.md gives each feature's exact window on the bucket grid.
 */
export const FEATURE_NAMES = [
  "amount",
  "card_tx_count_1d",
  "card_tx_count_7d",
  "card_tx_count_30d",
  "card_mean_amount_1d",
  "card_mean_amount_7d",
  "card_mean_amount_30d",
  "amount_to_card_mean_1d",
  "amount_to_card_mean_7d",
  "amount_to_card_mean_30d",
  "amount_to_card_mean_8_30d",
  "seconds_since_prev_card_tx",
  "merchant_tx_count_1d",
  "merchant_tx_count_7d",
  "merchant_tx_count_30d",
  "merchant_fraud_risk_1d",
  "merchant_fraud_risk_7d",
  "merchant_fraud_risk_14d",
  "merchant_fraud_risk_30d",
  "merchant_delayed_tx_count_1d",
  "merchant_delayed_tx_count_7d",
  "merchant_delayed_tx_count_30d",
  "merchant_recent_fraud_risk_1d",
  "merchant_recent_fraud_risk_7d",
  "is_night",
  "is_weekend",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/**
 * Names the definitions behind FEATURE_NAMES (windows, bucket grid, label handling). A model
 * records the version it was trained for and the API refuses any other: two feature sets can
 * share names and still mean different things.
 */
export const FEATURE_SET_VERSION = "3";

export interface FeatureConfig {
  /** IANA timezone for the night and weekend flags. Default "UTC". */
  readonly timezone: string;
  /**
   * When replaying history without report times, a fraud label counts from the transaction time
   * plus this delay. Default 7 days.
   */
  readonly labelDelayMs: number;
}

/**
 * What a store knows at time t = tx.timestamp about the card's and the merchant's past, read on
 * the bucket grid of buckets.ts (the windows are defined there). Amounts are integer minor units
 * (cents) so sums are exact whatever order they were added in.
 */
export interface HistorySnapshot {
  /** The card's earlier transactions in the 1, 7 and 30-day windows. */
  readonly cardCounts: readonly [number, number, number];
  /** Their amounts, in cents. */
  readonly cardCents: readonly [number, number, number];
  /** Time of the card's latest earlier transaction within 30 days; NaN when there is none. */
  readonly cardPreviousAt: number;
  /** The merchant's earlier transactions in the 1, 7 and 30-day windows. */
  readonly merchantCounts: readonly [number, number, number];
  /** The merchant's transactions in each RISK_WINDOW_DAYS window shifted back by the label delay. */
  readonly merchantDelayedCounts: readonly [number, number, number, number];
  /** Of those, how many are labelled fraud by a label applied so far. */
  readonly merchantDelayedFrauds: readonly [number, number, number, number];
  /**
   * Of the merchant's transactions in the (unshifted) 1 and 7-day windows, how many are labelled
   * fraud so far: labels reported before the delay (a customer's claim). 0 when every label comes
   * after the delay.
   */
  readonly merchantRecentFrauds: readonly [number, number];
}

export interface ObserveResult {
  readonly snapshot: HistorySnapshot;
  /** True when this transactionId was observed before: nothing was recorded this time. */
  readonly duplicate: boolean;
}

/**
 * Per-card and per-merchant state. `observe` reads the snapshot as of tx.timestamp and records
 * the transaction atomically; it is idempotent per transactionId. Implementations: in-memory
 * (offline training, local runs) and Redis (serving).
 */
export interface FeatureStore {
  observe(tx: Transaction): Promise<ObserveResult>;
  /**
   * `observe` for each of `txs`, in order, with the same per-transaction semantics (a later one
   * sees the earlier ones); one round trip where the store can. The scorer observes through this.
   */
  observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]>;
  /**
   * A fraud label for an observed transaction of `merchantId` at `timestamp`, known from `knownAt`;
   * it counts for every observe after this call (a replay applies labels in knownAt order).
   * The labels of one transaction (this and `retractFraudLabel`) apply in the order of their
   * `knownAt`, whatever order they arrive in: one known no later than the label standing changes
   * nothing (at equal times a legit label stands). So a retried or delayed report cannot undo a
   * later one, and every store (and the feedback table) ends in the same state.
   */
  recordFraudLabel(label: FraudLabel): Promise<void>;
  /**
   * A legit label, known from `knownAt`: withdraws the transaction's fraud label (a reversed
   * chargeback), and keeps an earlier-known fraud label that arrives later from counting.
   * Transactions observed while a fraud label stood keep what they saw.
   */
  retractFraudLabel(label: FraudLabel): Promise<void>;
  close(): Promise<void>;
}

export interface FraudLabel {
  readonly transactionId: string;
  readonly merchantId: string;
  /** The labelled transaction's time (epoch ms). */
  readonly timestamp: number;
  /** When the label became known (epoch ms): its report time, or timestamp + labelDelayMs (replays). */
  readonly knownAt: number;
}
