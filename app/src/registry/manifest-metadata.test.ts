/** The manifest's history rules (production stack, champion/challenger pair) and metadata parsing. */
import { describe, expect, it } from "vitest";
import { testVersionFiles } from "../testing/model-fixtures";
import { parseMetadata, serializeMetadata } from "./metadata";
import { FEATURE_NAMES } from "../features/types";
import { pairSince, productionStack } from "./registry";

describe("manifest and metadata rules", () => {
  it("derives production from history as a stack", () => {
    const e = (action: "promote" | "rollback", version: string) => ({ action, version, at: "", reason: "" });
    expect(productionStack([e("promote", "a"), e("promote", "b"), e("rollback", "a"), e("promote", "c")])).toEqual(["a", "c"]);
  });

  it("dates the current champion/challenger pair from the entry that made it", () => {
    const e = (
      action: "promote" | "rollback" | "challenger" | "clear-challenger",
      version: string,
      at: string,
      mode?: "shadow" | "ab",
    ) => ({
      action,
      version,
      at,
      reason: "",
      ...(mode ? { mode, share: mode === "ab" ? 0.1 : 0 } : {}),
    });
    const history = [e("promote", "a", "t1"), e("challenger", "b", "t2", "shadow"), e("challenger", "b", "t3", "ab")];
    // a mode change keeps the pair
    expect(pairSince({ production: "a", challenger: { version: "b", mode: "ab", share: 0.1 }, history })).toBe("t2");
    // a new champion under the same challenger is a new pair
    const promoted = [...history, e("promote", "c", "t4")];
    expect(pairSince({ production: "c", challenger: { version: "b", mode: "ab", share: 0.1 }, history: promoted })).toBe("t4");
    // cleared then set again: from the new setting
    const again = [...history, e("clear-challenger", "b", "t5"), e("challenger", "b", "t6", "shadow")];
    expect(pairSince({ production: "a", challenger: { version: "b", mode: "shadow", share: 0 }, history: again })).toBe("t6");
    expect(pairSince({ production: "a", history: [...history, e("clear-challenger", "b", "t5")] })).toBeUndefined();
  });

  it("round-trips metadata, NaN metrics as null", () => {
    const files = testVersionFiles("m1", {
      metrics: { auc: NaN, averagePrecision: 0, cardPrecisionAt100: 0, recallAt1PctFpr: 0, rows: 10, frauds: 0 },
    });
    const text = files["metadata.json"] as string;
    expect(text).toContain('"auc": null');
    const parsed = parseMetadata(text, "m1");
    expect(parsed.metrics.auc).toBeNaN();
    expect(serializeMetadata(parsed)).toBe(text);
  });

  it("names the bad field", () => {
    const good = JSON.parse(testVersionFiles("m1")["metadata.json"] as string);
    expect(() => parseMetadata({ ...good, thresholds: { review: 0.9, decline: 0.5 } })).toThrow(
      /review \(0.9\) must not exceed decline \(0.5\)/,
    );
    expect(() => parseMetadata({ ...good, dataWindow: { ...good.dataWindow, testEnd: "next week" } })).toThrow(
      /dataWindow.testEnd: expected a YYYY-MM-DD date/,
    );
    expect(() => parseMetadata({ ...good, metrics: { ...good.metrics, auc: 2 } })).toThrow(/metrics.auc: expected a number in \[0, 1\]/);
    const { gitCommit: _drop, ...noCommit } = good;
    expect(() => parseMetadata(noCommit)).toThrow(/metadata.gitCommit: missing/);
    expect(() => parseMetadata({ ...good, featureNames: ["a", "a"] })).toThrow(/distinct names/);
  });

  it("round-trips the drift reference and names a bad histogram", () => {
    const h = { edges: [1, 2], shares: [0.25, 0.25, 0.25], missing: 0.25 };
    const reference = {
      features: Object.fromEntries(FEATURE_NAMES.map((n) => [n, h])),
      featureRows: 100,
      score: h,
      scoreRows: 50,
      rates: { review: 0.01, decline: 0.001 },
    };
    const text = testVersionFiles("m1", { reference })["metadata.json"] as string;
    expect(parseMetadata(text, "m1").reference).toEqual(reference);
    const good = JSON.parse(text);
    const bad = { ...good, reference: { ...reference, features: { ...reference.features, amount: { ...h, shares: [0.5, 0.5] } } } };
    expect(() => parseMetadata(bad)).toThrow(/reference.features.amount.shares: expected 3 shares/);
    const { is_night: _gone, ...missing } = reference.features;
    expect(() => parseMetadata({ ...good, reference: { ...reference, features: missing } })).toThrow(
      /reference.features.is_night: missing/,
    );
  });
});
