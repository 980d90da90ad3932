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

/** Feature order is the model's input order; the registry metadata records it per model version. */
export const FEATURE_NAMES = [
  "amount",
  "card_tx_count_1d",
  "card_tx_count_7d",
  "card_tx_count_30d",
  "card_mean_amount_1d",
  "card_mean_amount_7d",
  "card_mean_amount_30d",
  "amount_to_card_mean_30d",
  "seconds_since_prev_card_tx",
  "merchant_tx_count_1d",
  "merchant_tx_count_7d",
  "merchant_tx_count_30d",
  "merchant_fraud_risk_1d",
  "merchant_fraud_risk_7d",
  "merchant_fraud_risk_30d",
  "is_night",
  "is_weekend",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export const WINDOW_DAYS = [1, 7, 30] as const;

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
 * What is known at time t = tx.timestamp about the past, point in time: only transactions observed
 * before this one with timestamp in [t - window, t], and only fraud labels with knownAt <= t.
 * Amounts are integer minor units (cents) so sums are exact whatever order a store returns them in.
 */
export interface HistorySnapshot {
  /** The card's earlier transactions within 30 days: parallel arrays, any order. */
  readonly cardTimestamps: readonly number[];
  readonly cardAmountsCents: readonly number[];
  /** The merchant's earlier transaction counts within 1, 7, 30 days. */
  readonly merchantCounts: readonly [number, number, number];
  /** Of those, how many are labelled fraud with the label known at t. */
  readonly merchantKnownFrauds: readonly [number, number, number];
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
   * A fraud label for an observed transaction of `merchantId` at `timestamp`, known from `knownAt`.
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
