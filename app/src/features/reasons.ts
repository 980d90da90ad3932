/**
 * Human-readable reasons for a decision: a feature's value put in words a fraud analyst reads,
 * e.g. "amount is 8.2x the card's 30-day mean".
 */
import { FEATURE_INDEX } from "./compute";
import { FEATURE_NAMES, type FeatureName } from "./types";

function fmt(x: number, digits = 2): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmt(n)} ${n === 1 ? one : many}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return plural(Math.round(seconds), "second");
  if (seconds < 7200) return plural(Math.round(seconds / 60), "minute");
  if (seconds < 2 * 86_400) return plural(Math.round(seconds / 3600), "hour");
  return plural(Math.round(seconds / 86_400), "day");
}

const WINDOW_WORDS = { "1d": "day", "7d": "7 days", "14d": "14 days", "30d": "30 days" } as const;
type WindowKey = keyof typeof WINDOW_WORDS;

/** Describes feature `name` given the whole vector `x` (some reasons read a neighbour). */
export function describeFeature(name: FeatureName, x: ArrayLike<number>): string {
  const v = x[FEATURE_INDEX[name]];
  const windowMatch = /_(1d|7d|14d|30d)$/.exec(name);
  const span = windowMatch ? WINDOW_WORDS[windowMatch[1] as WindowKey] : "";
  switch (name) {
    case "amount":
      return `amount ${fmt(v)}`;
    case "card_tx_count_1d":
    case "card_tx_count_7d":
    case "card_tx_count_30d":
      return `${plural(v, "earlier card transaction")} in the last ${span}`;
    case "card_mean_amount_1d":
    case "card_mean_amount_7d":
    case "card_mean_amount_30d":
      return v === 0 ? `no card transactions in the last ${span}` : `card's mean amount over the last ${span} is ${fmt(v)}`;
    case "amount_to_card_mean_8_30d":
      return Number.isNaN(v) ? "no card history 8 to 30 days back" : `amount is ${fmt(v, 1)}x the card's mean 8 to 30 days back`;
    case "amount_to_card_mean_1d":
    case "amount_to_card_mean_7d":
    case "amount_to_card_mean_30d":
      return Number.isNaN(v) ? `no card history in the last ${span}` : `amount is ${fmt(v, 1)}x the card's mean over the last ${span}`;
    case "seconds_since_prev_card_tx":
      return Number.isNaN(v) ? "first card transaction in 30 days" : `${duration(v)} since the card's previous transaction`;
    case "merchant_tx_count_1d":
    case "merchant_tx_count_7d":
    case "merchant_tx_count_30d":
      return `merchant had ${plural(v, "transaction")} in the last ${span}`;
    case "merchant_delayed_tx_count_1d":
    case "merchant_delayed_tx_count_7d":
    case "merchant_delayed_tx_count_30d":
      return `merchant had ${plural(v, "transaction")} over ${span} before the label delay`;
    case "merchant_recent_fraud_risk_1d":
    case "merchant_recent_fraud_risk_7d":
      return `${fmt(v * 100, 1)}% of the merchant's transactions in the last ${span} are already reported fraud`;
    case "merchant_fraud_risk_1d":
    case "merchant_fraud_risk_7d":
    case "merchant_fraud_risk_14d":
    case "merchant_fraud_risk_30d":
      return `${fmt(v * 100, 1)}% of the merchant's transactions over ${span} before the label delay are known fraud`;
    case "is_night":
      return v === 1 ? "night-time transaction (before 06:00 local time)" : "daytime transaction";
    case "is_weekend":
      return v === 1 ? "weekend transaction" : "weekday transaction";
  }
}

/** Checks at load time that every name a model uses can be described. */
export function isFeatureName(name: string): name is FeatureName {
  return (FEATURE_NAMES as readonly string[]).includes(name);
}
