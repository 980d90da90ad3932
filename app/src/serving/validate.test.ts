import { describe, expect, it } from "vitest";
import { thrownProblems } from "../testing/thrown-problems";
import { parseBatch, parseFeedback, parseJson, parseTransaction, ValidationError } from "./validate";

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
    expect(parseTransaction({ ...valid, timestamp: "2024-02-29T10:00:00.123456Z" }, NOW).timestamp).toBe(
      Date.parse("2024-02-29T10:00:00.123Z"),
    );
    // Gregorian leap years: every 4th, not every 100th, but every 400th
    expect(parseTransaction({ ...valid, timestamp: "2000-02-29T10:00:00Z" }, NOW).timestamp).toBe(Date.UTC(2000, 1, 29, 10));
    for (const t of [
      "2023-02-29T10:00:00Z",
      "1900-02-29T10:00:00Z",
      "2023-04-31T10:00:00Z",
      "2023-13-01T10:00:00Z",
      "2023-00-10T10:00:00Z",
    ]) {
      expect(problems(() => parseTransaction({ ...valid, timestamp: t }, NOW))).toEqual([
        { path: "timestamp", message: `is not a valid date: "${t}"` },
      ]);
    }
    expect(problems(() => parseTransaction(null))).toEqual([{ path: "", message: "must be an object, got null" }]);
  });

  it("accepts timestamps from 2000 to the clock only, with offsets within ±14:00", () => {
    const at = (timestamp: string) => problems(() => parseTransaction({ ...valid, timestamp }, NOW));
    const before = [{ path: "timestamp", message: "is before 2000-01-01T00:00:00Z, the earliest time accepted" }];
    // year 0, which PostgreSQL refuses, directly and through an offset
    expect(at("0000-01-01T00:00:00Z")).toEqual(before);
    expect(at("0001-01-01T00:30:00+01:00")).toEqual(before);
    expect(at("1999-12-31T23:59:59Z")).toEqual(before);
    expect(parseTransaction({ ...valid, timestamp: "2000-01-01T00:00:00Z" }, NOW).timestamp).toBe(Date.UTC(2000, 0, 1));
    expect(parseTransaction({ ...valid, timestamp: "2000-01-01T01:00:00+01:00" }, NOW).timestamp).toBe(Date.UTC(2000, 0, 1));
    expect(at("9999-12-31T23:59:59Z")).toEqual([{ path: "timestamp", message: "is more than 5 minutes in the future" }]);
    expect(at("10000-01-01T00:00:00Z")).toEqual([
      { path: "timestamp", message: expect.stringMatching(/^must be ISO 8601 with a UTC offset/) },
    ]);
    const offset = [{ path: "timestamp", message: "has a UTC offset beyond ±14:00" }];
    expect(at("2024-03-05T12:00:00+15:00")).toEqual(offset);
    expect(at("2024-03-05T12:00:00-14:01")).toEqual(offset);
    expect(parseTransaction({ ...valid, timestamp: "2024-03-05T12:00:00+14:00" }, NOW).timestamp).toBe(Date.UTC(2024, 2, 4, 22));
    expect(problems(() => parseFeedback({ transactionId: "t", label: "fraud", reportedAt: "0000-01-01T00:00:00Z" }, NOW))).toEqual([
      { path: "reportedAt", message: "is before 2000-01-01T00:00:00Z, the earliest time accepted" },
    ]);
  });

  it("refuses amounts under one cent", () => {
    for (const amount of [5e-324, 0.009, 0, -5]) {
      expect(problems(() => parseTransaction({ ...valid, amount }, NOW))).toEqual([
        { path: "amount", message: `must be at least 0.01, got ${amount}` },
      ]);
    }
    expect(parseTransaction({ ...valid, amount: 0.01 }, NOW).amount).toBe(0.01);
  });

  it("parses JSON refusing a key twice and deep nesting, naming where", () => {
    expect(parseJson('{"a": {"b": [1, {"c": "d"}]}, "e\\"": 2}')).toEqual({ a: { b: [1, { c: "d" }] }, 'e"': 2 });
    expect(problems(() => parseJson('{"amount": 1, "amount": 2}'))).toEqual([
      { path: "amount", message: "appears more than once in its object" },
    ]);
    // the same key spelt with an escape, and in the second transaction of a batch
    expect(problems(() => parseJson('{"transactions": [{"amount": 1}, {"amount": 1, "x": "amount", "\\u0061mount": 2}]}'))).toEqual([
      { path: "transactions[1].amount", message: "appears more than once in its object" },
    ]);
    // the same key in two objects, and a value equal to a key, are fine
    expect(parseJson('[{"a": "a"}, {"a": 1}]')).toEqual([{ a: "a" }, { a: 1 }]);
    const deep = `{"merchantId": ${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    const [problem] = problems(() => parseJson(deep)) as { path: string; message: string }[];
    expect(problem).toEqual({ path: `merchantId${"[0]".repeat(15)}`, message: "nests deeper than 16 levels" });
    expect(() => parseJson('{"a": ')).toThrow(SyntaxError);
  });

  it("keeps messages bounded whatever the value", () => {
    let nested: unknown = "x";
    for (let i = 0; i < 20_000; i++) nested = [nested];
    expect(problems(() => parseTransaction({ ...valid, channel: nested, currency: "y".repeat(10_000) }, NOW))).toEqual([
      { path: "currency", message: `must be an ISO 4217 code (3 capital letters), got "${"y".repeat(40)}..."` },
      { path: "channel", message: "must be one of pos, ecom, atm, got array" },
    ]);
  });

  it("bounds batches and caps the number of problems reported", () => {
    expect(parseBatch({ transactions: [valid, { ...valid, transactionId: "t-2" }] }, 2, NOW)).toHaveLength(2);
    expect(problems(() => parseBatch({ transactions: [] }, 2))).toEqual([
      { path: "transactions", message: "must hold at least one transaction" },
    ]);
    expect(problems(() => parseBatch({ transactions: {} }, 2))).toEqual([
      { path: "transactions", message: "must be an array, got object" },
    ]);
    expect((problems(() => parseBatch({ transactions: Array.from({ length: 50 }, () => ({})) }, 100)) as unknown[]).length).toBe(20);
  });

  it("defaults a label's report time to the time of receipt", () => {
    expect(parseFeedback({ transactionId: "t-1", label: "legit" }, NOW)).toEqual({ transactionId: "t-1", label: "legit", reportedAt: NOW });
    expect(problems(() => parseFeedback({ transactionId: "t-1", label: "fraud", reportedAt: 5 }, NOW))).toEqual([
      { path: "reportedAt", message: "must be an ISO 8601 string, got number" },
    ]);
  });
});
