import { describe, expect, it } from "vitest";
import { thrownProblems } from "../testing/thrown-problems";
import { parseBatch, parseFeedback, parseTransaction, ValidationError } from "./validate";

const NOW = Date.parse("2024-03-05T12:00:00Z");
const valid = { transactionId: "t-1", timestamp: "2024-03-05T13:30:00+02:00", cardId: "c", merchantId: "m", amount: 12.5 };

const problems = (fn: () => unknown) => thrownProblems(ValidationError, fn);

describe("request validation", () => {
  it("parses a transaction, converting its timestamp with its offset to epoch ms", () => {
    expect(parseTransaction({ ...valid, currency: "EUR", merchantCategory: "5411", country: "FR", channel: "atm" }, NOW)).toEqual({
      ...valid,
      timestamp: Date.parse("2024-03-05T11:30:00Z"),
      currency: "EUR",
      merchantCategory: "5411",
      country: "FR",
      channel: "atm",
    });
  });

  it("names every problem with its path", () => {
    expect(problems(() => parseTransaction({ transactionId: "has space", amount: Infinity, currency: "eur", extra: 1 }, NOW))).toEqual([
      { path: "extra", message: expect.stringMatching(/^unknown field/) },
      { path: "transactionId", message: "must be 1 to 128 printable ASCII characters without spaces" },
      { path: "timestamp", message: "is required" },
      { path: "cardId", message: "is required" },
      { path: "merchantId", message: "is required" },
      { path: "amount", message: "must be a number, got number" },
      { path: "currency", message: 'must be an ISO 4217 code (3 capital letters), got "eur"' },
    ]);
    expect(problems(() => parseTransaction({ ...valid, timestamp: "2024-03-05T12:10:00Z" }, NOW))).toEqual([
      { path: "timestamp", message: "is more than 5 minutes in the future" },
    ]);
    expect(problems(() => parseTransaction({ ...valid, timestamp: "2024-02-30T10:00:00Z" }, NOW))).toEqual([
      { path: "timestamp", message: 'is not a valid date: "2024-02-30T10:00:00Z"' },
    ]);
    expect(parseTransaction({ ...valid, timestamp: "2024-02-29T10:00:00.123456Z" }, NOW).timestamp).toBe(Date.parse("2024-02-29T10:00:00.123Z"));
    // Gregorian leap years: every 4th, not every 100th, but every 400th
    expect(parseTransaction({ ...valid, timestamp: "2000-02-29T10:00:00Z" }, NOW).timestamp).toBe(Date.UTC(2000, 1, 29, 10));
    for (const t of ["2023-02-29T10:00:00Z", "1900-02-29T10:00:00Z", "2023-04-31T10:00:00Z", "2023-13-01T10:00:00Z", "2023-00-10T10:00:00Z"]) {
      expect(problems(() => parseTransaction({ ...valid, timestamp: t }, NOW))).toEqual([{ path: "timestamp", message: `is not a valid date: "${t}"` }]);
    }
    expect(problems(() => parseTransaction(null))).toEqual([{ path: "", message: "must be an object, got null" }]);
  });

  it("bounds batches and caps the number of problems reported", () => {
    expect(parseBatch({ transactions: [valid, { ...valid, transactionId: "t-2" }] }, 2, NOW)).toHaveLength(2);
    expect(problems(() => parseBatch({ transactions: [] }, 2))).toEqual([{ path: "transactions", message: "must hold at least one transaction" }]);
    expect(problems(() => parseBatch({ transactions: {} }, 2))).toEqual([{ path: "transactions", message: "must be an array, got object" }]);
    expect((problems(() => parseBatch({ transactions: Array.from({ length: 50 }, () => ({})) }, 100)) as unknown[]).length).toBe(20);
  });

  it("defaults a label's report time to the time of receipt", () => {
    expect(parseFeedback({ transactionId: "t-1", label: "legit" }, NOW)).toEqual({ transactionId: "t-1", label: "legit", reportedAt: NOW });
    expect(problems(() => parseFeedback({ transactionId: "t-1", label: "fraud", reportedAt: 5 }, NOW))).toEqual([
      { path: "reportedAt", message: "must be an ISO 8601 string, got number" },
    ]);
  });
});
