/**
 * The challenger metrics through the API on its embedded defaults: what /metrics exports of the
 * registry's latest comparison for the manifest's champion/challenger pair, and each model's
 * decisions while a challenger is set (docs/model-ops.md).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHALLENGER_METRICS } from "../config/deploy-contract";
import { challenger } from "../registry/registry";
import { testComparison } from "../testing/comparison-fixtures";
import { testModelJson, testVersionFiles } from "../testing/model-fixtures";
import { cardBucket } from "../serving/challenger";
import { START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

const DECLINER = { low: 3, mid: 3, high: 3 }; // scores 0.95 whatever the transaction

describe("challenger comparison metrics through the API", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (const v of ["v2", "v3"]) await h.registry.putVersion(v, testVersionFiles(v, {}, testModelJson(DECLINER)));
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  /** The exposition's challenger comparison lines, sorted, without HELP/TYPE. */
  const exported = async (): Promise<string[]> => {
    const text = await (await fetch(`http://127.0.0.1:${h.api.metricsPort}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => /^fraud_challenger_(?!info)/.test(l))
      .sort();
  };

  it("exports nothing of a comparison while no challenger is set", async () => {
    await h.registry.putLatestComparison(testComparison("v1", "v2"));
    await h.api.runtime.models.poll();
    expect(await exported()).toEqual([]);
  });

  it("exports the pair's latest comparison: each metric by role, model version and bound, the verdict and its time", async () => {
    const set = await h.registry.setChallenger(challenger("v2", "shadow", undefined), "test");
    const began = Date.parse(set.history.at(-1)!.at);
    await h.api.runtime.models.poll();
    // the comparison written before the pair began is of an earlier spell: only the pair's start is
    // exported, so the staleness alert waits for the first comparison's grace period
    expect(await exported()).toEqual([`${CHALLENGER_METRICS.pairSinceTimestamp}{champion="v1",challenger="v2"} ${began / 1000}`]);
    const comparedAt = new Date(began + 60_000).toISOString();
    await h.registry.putLatestComparison(testComparison("v1", "v2", { at: comparedAt }));
    await h.api.runtime.models.poll();
    const values = new Map((await exported()).map((l) => [l.slice(0, l.lastIndexOf(" ")), Number(l.slice(l.lastIndexOf(" ") + 1))]));
    const pair = 'champion="v1",challenger="v2"';
    expect(values.get(`${CHALLENGER_METRICS.better}{${pair}}`)).toBe(1);
    expect(values.get(`${CHALLENGER_METRICS.comparedDecisions}{${pair}}`)).toBe(12_345);
    expect(values.get(`${CHALLENGER_METRICS.comparisonTimestamp}{${pair}}`)).toBe(Date.parse(comparedAt) / 1000);
    expect(values.get(`${CHALLENGER_METRICS.pairSinceTimestamp}{${pair}}`)).toBe(began / 1000);
    const at = (metric: string, role: string, version: string, bound: string) =>
      values.get(`${metric}{role="${role}",model_version="${version}",bound="${bound}"}`);
    const m = CHALLENGER_METRICS.comparison;
    expect(at(m.auc, "champion", "v1", "value")).toBeCloseTo(0.1, 12);
    expect(at(m.auc, "champion", "v1", "low")).toBeCloseTo(0.09, 12);
    expect(at(m.auc, "challenger", "v2", "value")).toBeCloseTo(0.2, 12);
    expect(at(m.auc, "difference", "v2", "high")).toBeCloseTo(0.11, 12);
    expect(at(m.cardPrecisionAt100, "champion", "v1", "high")).toBeCloseTo(0.13, 12);
    expect(at(m.declineRate, "challenger", "v2", "value")).toBeCloseTo(0.25, 12);
    // the challenger's AUC interval is unknown in the file: not exported rather than NaN
    expect(at(m.auc, "challenger", "v2", "low")).toBeUndefined();
    // 6 metrics x 3 roles x 3 bounds, less those two bounds; 4 pair gauges
    expect(values.size).toBe(6 * 3 * 3 - 2 + 4);
  });

  it("follows the manifest: another challenger without a comparison exports only when its pair began", async () => {
    const set = await h.registry.setChallenger(challenger("v3", "ab", 0.2), "another");
    await h.api.runtime.models.poll();
    expect(await exported()).toEqual([
      `${CHALLENGER_METRICS.pairSinceTimestamp}{champion="v1",challenger="v3"} ${Date.parse(set.history.at(-1)!.at) / 1000}`,
    ]);
    // a comparison written later is picked up by the next poll
    await h.registry.putLatestComparison(
      testComparison("v1", "v3", { better: false, at: new Date(Date.parse(set.history.at(-1)!.at) + 60_000).toISOString() }),
    );
    await h.api.runtime.models.poll();
    expect(await exported()).toContain(`${CHALLENGER_METRICS.better}{champion="v1",challenger="v3"} 0`);
  });

  it("exports no figures from a file that is not a comparison, and clears them with the challenger", async () => {
    writeFileSync(join(h.registryDir, "latest-comparisons", "v1", "v3.json"), '{"champion":"v1"}');
    await h.api.runtime.models.poll();
    expect((await exported()).map((l) => l.split("{")[0])).toEqual([CHALLENGER_METRICS.pairSinceTimestamp]);
    await h.registry.setChallenger(null, "done");
    await h.api.runtime.models.poll();
    expect(await exported()).toEqual([]);
  });

  it("counts both models' decisions by variant: in shadow the champion serves every card, in A/B each serves its own", async () => {
    const variant = (role: string, version: string, served: boolean, decision: string) =>
      h.metric(
        `${CHALLENGER_METRICS.variantDecisions}{role="${role}",model_version="${version}",served="${served}",decision="${decision}"}`,
      );
    const score = (cardId: string) => h.request("POST", "/v1/score", tx({ cardId }));
    // no challenger: nothing counted
    expect((await score("variant-none")).status).toBe(200);
    expect(await variant("champion", "v1", true, "approve")).toBe(0);

    await h.registry.setChallenger(challenger("v2", "shadow", undefined), "shadow");
    await h.api.runtime.models.poll();
    for (let i = 0; i < 30; i++) expect((await score(`variant-shadow-${i}`)).json.modelVersion).toBe("v1");
    expect(await variant("champion", "v1", true, "approve")).toBe(30);
    expect(await variant("challenger", "v2", false, "decline")).toBe(30);
    expect(await variant("challenger", "v2", true, "decline")).toBe(0);

    await h.registry.setChallenger(challenger("v2", "ab", 0.5), "ab");
    await h.api.runtime.models.poll();
    const cards = Array.from({ length: 60 }, (_, i) => `variant-ab-${i}`);
    for (const c of cards) await score(c);
    const toChallenger = cards.filter((c) => cardBucket(c) < 0.5).length;
    expect(toChallenger).toBeGreaterThan(0);
    expect(await variant("challenger", "v2", true, "decline")).toBe(toChallenger);
    expect(await variant("challenger", "v2", false, "decline")).toBe(30 + 60 - toChallenger);
    expect(await variant("champion", "v1", true, "approve")).toBe(30 + 60 - toChallenger);
    expect(await variant("champion", "v1", false, "approve")).toBe(toChallenger);
    // another challenger: the replaced one's series go, the champion's keep counting
    const versions = async () => {
      const text = await (await fetch(`http://127.0.0.1:${h.api.metricsPort}/metrics`)).text();
      const lines = text.split("\n").filter((l) => l.startsWith(`${CHALLENGER_METRICS.variantDecisions}{`));
      return [...new Set(lines.map((l) => /role="(\w+)",model_version="(\w+)"/.exec(l)!.slice(1).join(" ")))].sort();
    };
    expect(await versions()).toEqual(["challenger v2", "champion v1"]);
    await h.registry.setChallenger(challenger("v3", "shadow", undefined), "another");
    await h.api.runtime.models.poll();
    expect(await versions()).toEqual(["champion v1"]);
    await score("variant-v3");
    expect(await versions()).toEqual(["challenger v3", "champion v1"]);
    expect(await variant("champion", "v1", true, "approve")).toBe(30 + 60 - toChallenger + 1);
    await h.registry.setChallenger(null, "done");
    await h.api.runtime.models.poll();
    expect(await versions()).toEqual(["champion v1"]);
  });
});
