import { describe, expect, it } from "vitest";
import { computeFeatures, FEATURE_COUNT, FEATURE_INDEX, featureConfig } from "../features/compute";
import { MemoryFeatureStore } from "../features/memory-store";
import { seededRandom } from "../testing/random";
import { eventOrder, transactionAt, type RowInput } from "./dataset";
import { DatasetBuilder } from "./dataset-builder";
import { DAY_MS } from "./metrics";
import { featurePass, labelKnownAt, LabelQueue } from "./offline-features";

const at = (s: string): number => Date.parse(s);
const cfg = featureConfig({ labelDelayMs: 7 * DAY_MS });

// Hand-made history of merchant M, deliberately out of order in the input.
const rows: RowInput[] = [
  { transactionId: "t6", timestamp: at("2018-04-10T10:00:00Z"), cardId: "C", merchantId: "M", amount: 60, label: 0 },
  {
    transactionId: "t1",
    timestamp: at("2018-04-01T10:00:00Z"),
    cardId: "A",
    merchantId: "M",
    amount: 10,
    label: 1,
    labelReportedAt: at("2018-04-01T12:00:00Z"),
  },
  { transactionId: "t3", timestamp: at("2018-04-01T13:00:00Z"), cardId: "B", merchantId: "M", amount: 30, label: 0 },
  { transactionId: "t2", timestamp: at("2018-04-01T11:00:00Z"), cardId: "A", merchantId: "M", amount: 20, label: 0 },
  // fraud without a report time: known from its time + the 7-day delay, i.e. 2018-04-10T10:00Z
  { transactionId: "t4", timestamp: at("2018-04-03T10:00:00Z"), cardId: "A", merchantId: "M", amount: 40, label: 1 },
  { transactionId: "t5", timestamp: at("2018-04-05T10:00:00Z"), cardId: "C", merchantId: "M", amount: 50, label: 0 },
  { transactionId: "t5", timestamp: at("2018-04-05T10:00:00Z"), cardId: "C", merchantId: "M", amount: 50, label: 0 }, // duplicate
  // 8 and 9 days after 04-01 and 04-03: their delayed windows reach back to t1's and t4's days
  { transactionId: "t7", timestamp: at("2018-04-09T09:00:00Z"), cardId: "D", merchantId: "M", amount: 70, label: 0 },
  { transactionId: "t8", timestamp: at("2018-04-11T09:00:00Z"), cardId: "D", merchantId: "M", amount: 80, label: 0 },
];

function run(input: readonly RowInput[]) {
  const b = new DatasetBuilder(4);
  input.forEach((r) => b.add(r));
  const d = b.finish();
  const pass = featurePass(d, eventOrder(d), new Uint8Array(d.size).fill(1), cfg);
  const byId = new Map<string, Record<string, number>>();
  pass.rows.forEach((i, k) => {
    const v = pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT);
    byId.set(d.transactionIds[i]!, Object.fromEntries(Object.entries(FEATURE_INDEX).map(([name, j]) => [name, v[j]!])));
  });
  return { d, pass, byId };
}

describe("offline feature pass: point in time on the shared bucket grid", () => {
  const { pass, byId } = run(rows);
  const f = (id: string) => byId.get(id)!;

  it("replays in time order and skips a duplicate transaction id", () => {
    expect(pass.replayed).toBe(9);
    expect(pass.duplicates).toBe(1);
    expect([...byId.keys()]).toEqual(["t1", "t2", "t3", "t4", "t5", "t7", "t6", "t8"]);
  });

  it("a transaction sees only its card's earlier transactions", () => {
    expect(f("t1")).toMatchObject({ card_tx_count_1d: 0, card_tx_count_30d: 0, card_mean_amount_30d: 0 });
    expect(f("t1").seconds_since_prev_card_tx).toBeNaN();
    expect(f("t2")).toMatchObject({
      card_tx_count_1d: 1,
      card_mean_amount_1d: 10,
      seconds_since_prev_card_tx: 3600,
      amount_to_card_mean_30d: 2,
    });
    // t1 is exactly 48 h before t4: out of the 1-day window, in the 7-day one
    expect(f("t4")).toMatchObject({
      card_tx_count_1d: 0,
      card_tx_count_7d: 2,
      card_mean_amount_7d: 15,
      seconds_since_prev_card_tx: 47 * 3600,
    });
  });

  it("merchant risk reads the days before the label delay, with the labels known by then", () => {
    // t1 reported on its day: t7 (04-09) reads day 04-01 in every delayed window: 1 fraud of 3
    expect(f("t7")).toMatchObject({ merchant_fraud_risk_1d: 1 / 3, merchant_fraud_risk_30d: 1 / 3 });
    // t8 (04-11): 1d reads 04-03 (t4, known since 04-10 10:00); 7d reads 03-28..04-03: 2 frauds of 4
    expect(f("t8")).toMatchObject({ merchant_fraud_risk_1d: 1, merchant_fraud_risk_7d: 2 / 4 });
    // t6 (04-10): its delayed windows end on 04-02; the recent counts are not delayed
    expect(f("t6")).toMatchObject({
      merchant_fraud_risk_1d: 0,
      merchant_fraud_risk_30d: 1 / 3,
      merchant_tx_count_7d: 2,
      merchant_tx_count_30d: 6,
    });
  });

  it("gives exactly what the memory store gives, labels applied when known", () => {
    const rand = seededRandom(7);
    const input: RowInput[] = [];
    const t0 = at("2018-04-01T00:00:00Z");
    for (let i = 0; i < 4000; i++) {
      // a retry: the same transaction again
      if (i > 0 && rand() < 0.01) {
        input.push(input[i - 1]!);
        continue;
      }
      const timestamp = t0 + Math.floor(rand() * 60 * DAY_MS);
      const fraud = rand() < 0.05;
      input.push({
        transactionId: `x${i}`,
        timestamp,
        cardId: `c${Math.floor(rand() * 60)}`,
        merchantId: `m${Math.floor(rand() ** 2 * 30)}`,
        amount: Math.round(rand() * 50000) / 100 + 0.01,
        label: fraud ? 1 : 0,
        ...(fraud && rand() < 0.5 ? { labelReportedAt: timestamp + Math.floor(rand() * 10 * DAY_MS) } : {}),
      });
    }
    const { d, pass } = run(input);
    // the reference: the serving store, labels recorded as the API records reports, in knownAt order
    const store = new MemoryFeatureStore({ labelDelayMs: cfg.labelDelayMs });
    const pending: { knownAt: number; i: number }[] = [];
    let k = 0;
    for (const i of eventOrder(d)) {
      const tx = transactionAt(d, i);
      pending.sort((a, b) => a.knownAt - b.knownAt);
      while (pending.length > 0 && pending[0]!.knownAt <= tx.timestamp) {
        const l = transactionAt(d, pending.shift()!.i);
        store.recordFraudLabelSync({ transactionId: l.transactionId, merchantId: l.merchantId, timestamp: l.timestamp, knownAt: 0 });
      }
      const r = store.observeSync(tx);
      if (r.duplicate) continue;
      expect(pass.rows[k]).toBe(i);
      const want = computeFeatures(tx, r.snapshot, cfg);
      const got = pass.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT);
      for (let j = 0; j < FEATURE_COUNT; j++)
        if (!Object.is(got[j], want[j])) throw new Error(`row ${i} feature ${j}: pass ${got[j]} vs store ${want[j]}`);
      k++;
      if (d.labels[i] === 1) pending.push({ knownAt: labelKnownAt(tx.timestamp, d.labelReportedAt[i]!, cfg), i });
    }
    expect(k).toBe(pass.rows.length);
    expect(pass.duplicates).toBeGreaterThan(10);
  });
});

describe("offline feature pass: rows outside the windows", () => {
  it("are history only: a kept row's vector does not depend on which other rows are kept", () => {
    const b = new DatasetBuilder(4);
    rows.forEach((r) => b.add(r));
    const d = b.finish();
    const all = featurePass(d, eventOrder(d), new Uint8Array(d.size).fill(1), cfg);
    const some = new Uint8Array(d.size).map((_, i) => (i % 2 === 0 ? 1 : 0));
    const part = featurePass(d, eventOrder(d), some, cfg);
    expect(part.replayed).toBe(all.replayed);
    part.rows.forEach((i, k) => {
      const j = Array.from(all.rows).indexOf(i);
      expect(Array.from(part.features.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT))).toEqual(
        Array.from(all.features.subarray(j * FEATURE_COUNT, (j + 1) * FEATURE_COUNT)),
      );
    });
    expect(part.rows.length).toBeGreaterThan(2);
  });
});

describe("LabelQueue", () => {
  it("pops in knownAt order, ties in push order", () => {
    const q = new LabelQueue();
    const rand = seededRandom(3);
    const pushed: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const knownAt = Math.floor(rand() * 50);
      q.push(knownAt, 0, i);
      pushed.push([knownAt, i]);
    }
    pushed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const popped: number[] = [];
    while (q.size > 0) popped.push(q.pop());
    expect(popped).toEqual(pushed.map((p) => p[1]));
  });
});
