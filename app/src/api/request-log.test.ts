/**
 * The "request" log line (every 5xx, and every request at least SLOW_REQUEST_LOG_MS slow): the
 * fields the slow-requests saved query reads, with the transaction a single scoring request scored.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../serving/log";
import { START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

/** How long the feature store takes here: every scoring request is slower than SLOW_REQUEST_LOG_MS (1 ms). */
const STORE_DELAY_MS = 20;

describe("the request log line", () => {
  const lines: Record<string, unknown>[] = [];
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { SLOW_REQUEST_LOG_MS: "1", FEATURE_STORE_TIMEOUT_MS: "1000" },
      log: createLogger("info", { write: (l) => void lines.push(JSON.parse(l)) }),
      wrapFeatureStore: (store) => ({
        observe: (t) => store.observe(t),
        observeMany: (txs) => {
          // a store that refuses a transaction outright (a synchronous throw): the request fails with 500
          if (txs.some((t) => t.transactionId.startsWith("refused-"))) throw new Error("refused by the store");
          return new Promise((r) => setTimeout(r, STORE_DELAY_MS)).then(() => store.observeMany(txs));
        },
        recordFraudLabel: (l) => store.recordFraudLabel(l),
        retractFraudLabel: (l) => store.retractFraudLabel(l),
        close: () => store.close(),
      }),
    });
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  /** The request lines of `route` written since `from`. */
  const requestLines = (from: number, route: string) => lines.slice(from).filter((l) => l.msg === "request" && l.route === route);

  it("names the transaction of a single scoring request", async () => {
    const from = lines.length;
    const t = tx();
    expect((await h.request("POST", "/v1/score", t)).status).toBe(200);
    await expect.poll(() => requestLines(from, "/v1/score")).toHaveLength(1);
    const [line] = requestLines(from, "/v1/score");
    expect(line).toMatchObject({ level: "info", method: "POST", status: 200, transactionId: t.transactionId });
    expect(line.durationMs).toBeGreaterThanOrEqual(STORE_DELAY_MS - 1);
  });

  it("is a warning for a 5xx, after the error's own line", async () => {
    const from = lines.length;
    const t = tx({ transactionId: `refused-${Date.now()}` });
    expect((await h.request("POST", "/v1/score", t)).status).toBe(500);
    await expect.poll(() => requestLines(from, "/v1/score")).toHaveLength(1);
    expect(requestLines(from, "/v1/score")[0]).toMatchObject({ level: "warn", status: 500, transactionId: t.transactionId });
    expect(lines.slice(from).find((l) => l.msg === "request failed")).toMatchObject({ level: "error", error: "refused by the store" });
  });

  it("names none for a batch, which scores many", async () => {
    const from = lines.length;
    expect((await h.request("POST", "/v1/score/batch", { transactions: [tx(), tx()] })).status).toBe(200);
    await expect.poll(() => requestLines(from, "/v1/score/batch")).toHaveLength(1);
    const [line] = requestLines(from, "/v1/score/batch");
    expect(line).toMatchObject({ method: "POST", status: 200 });
    expect(line).not.toHaveProperty("transactionId");
  });
});
