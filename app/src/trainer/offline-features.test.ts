import { describe, expect, it } from "vitest";
import { FEATURE_INDEX, featureConfig } from "../features/compute";
import { FEATURE_COUNT } from "../features/compute";
import { DatasetBuilder, eventOrder, type RowInput } from "./dataset";
import { featurePass } from "./offline-features";
import { DAY_MS } from "./metrics";

const at = (s: string): number => Date.parse(s);

// Hand-made history of merchant M, deliberately out of order in the input.
const rows: RowInput[] = [
  { transactionId: "t6", timestamp: at("2018-04-10T10:00:00Z"), cardId: "C", merchantId: "M", amount: 60, label: 0 },
  { transactionId: "t1", timestamp: at("2018-04-01T10:00:00Z"), cardId: "A", merchantId: "M", amount: 10, label: 1, labelReportedAt: at("2018-04-01T12:00:00Z") },
  { transactionId: "t3", timestamp: at("2018-04-01T13:00:00Z"), cardId: "B", merchantId: "M", amount: 30, label: 0 },
  { transactionId: "t2", timestamp: at("2018-04-01T11:00:00Z"), cardId: "A", merchantId: "M", amount: 20, label: 0 },
  // fraud without a report time: known from its time + the 7-day delay, i.e. 2018-04-10T10:00Z
  { transactionId: "t4", timestamp: at("2018-04-03T10:00:00Z"), cardId: "A", merchantId: "M", amount: 40, label: 1 },
  { transactionId: "t5", timestamp: at("2018-04-05T10:00:00Z"), cardId: "C", merchantId: "M", amount: 50, label: 0 },
  { transactionId: "t5", timestamp: at("2018-04-05T10:00:00Z"), cardId: "C", merchantId: "M", amount: 50, label: 0 }, // duplicate
];

function run() {
  const b = new DatasetBuilder(4);
  rows.forEach((r) => b.add(r));
  const d = b.finish();
  const pass = featurePass(d, eventOrder(d), new Uint8Array(d.size).fill(1), featureConfig({ labelDelayMs: 7 * DAY_MS }));
  const byId = new Map<string, Record<string, number>>();
  pass.rows.forEach((i, k) => {
    const v = pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT);
    byId.set(d.transactionIds[i]!, Object.fromEntries(Object.entries(FEATURE_INDEX).map(([name, j]) => [name, v[j]!])));
  });
  return { pass, byId };
}

describe("offline feature pass: point in time through the shared store", () => {
  const { pass, byId } = run();
  const f = (id: string) => byId.get(id)!;

  it("replays in time order and skips a duplicate transaction id", () => {
    expect(pass.replayed).toBe(7);
    expect(pass.duplicates).toBe(1);
    expect([...byId.keys()]).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"]);
  });

  it("a transaction sees only its card's earlier transactions", () => {
    expect(f("t1")).toMatchObject({ card_tx_count_1d: 0, card_tx_count_30d: 0, card_mean_amount_30d: 0 });
    expect(f("t1").seconds_since_prev_card_tx).toBeNaN();
    expect(f("t2")).toMatchObject({ card_tx_count_1d: 1, card_mean_amount_1d: 10, seconds_since_prev_card_tx: 3600, amount_to_card_mean_30d: 2 });
    // t1 is exactly 48 h before t4: out of the 1-day window, in the 7-day one
    expect(f("t4")).toMatchObject({ card_tx_count_1d: 0, card_tx_count_7d: 2, card_mean_amount_7d: 15 });
  });

  it("a fraud label counts only from its report time", () => {
    // t1 reported at 12:00: unknown to t2 (11:00), known to t3 (13:00)
    expect(f("t2")).toMatchObject({ merchant_tx_count_1d: 1, merchant_fraud_risk_1d: 0 });
    expect(f("t3")).toMatchObject({ merchant_tx_count_1d: 2, merchant_fraud_risk_1d: 0.5 });
  });

  it("a fraud label without report time counts from transaction time plus the label delay", () => {
    // at t5 (04-05) only t1 is known among 4 merchant transactions
    expect(f("t5")).toMatchObject({ merchant_tx_count_7d: 4, merchant_fraud_risk_7d: 0.25 });
    // at t6 (04-10 10:00) t4 becomes known exactly now; t4 sits on the 7-day boundary
    expect(f("t6")).toMatchObject({ merchant_tx_count_30d: 5, merchant_fraud_risk_30d: 2 / 5, merchant_tx_count_7d: 2, merchant_fraud_risk_7d: 0.5 });
  });
});
