import { describe, expect, it } from "vitest";
import { curves } from "../metrics";
import { rocSpec, scoreDistributionSpec, thin } from "./charts";
import { renderReport, type ReportInput } from "./html";
import { renderSvg } from "./svg";

const CHARTS = ["roc.svg", "precision-recall.svg", "score-distribution.svg", "feature-importance.svg"];

function input(): ReportInput {
  const scores = [0.9, 0.8, 0.3, 0.2, 0.1];
  const labels = [1, 0, 1, 0, 0];
  const metrics = { auc: 0.75, averagePrecision: 0.8333, cardPrecisionAt100: 0.02, recallAt1PctFpr: 0.5, rows: 5, frauds: 2 };
  return {
    title: "Fraud model <v1>",
    version: "v1",
    facts: [["Windows", "train 2018-07-25..2018-07-31"]],
    models: [
      { name: "XGBoost", metrics, curves: curves(scores, labels), color: "#d62728" },
      { name: "Logistic baseline", metrics, curves: curves([0.1, 0.7, 0.4, 0.6, 0.2], labels), color: "#1f77b4" },
    ],
    scores,
    labels,
    importance: [
      { feature: "amount", gain: 3, cover: 2, splits: 1 },
      { feature: "card_tx_count_1d", gain: 1, cover: 1, splits: 4 },
    ],
    notes: ["Promotion: promoted"],
  };
}

describe("thin", () => {
  it("keeps the ends and every point that moves at least a step on either axis", () => {
    expect(thin([0, 0.0001, 0.0002, 0.5, 0.5004, 1], [0, 0, 0.3, 0.5, 0.5, 1], 0.001)).toEqual([
      { x: 0, y: 0 },
      { x: 0.0002, y: 0.3 },
      { x: 0.5, y: 0.5 },
      { x: 1, y: 1 },
    ]);
    expect(thin([0.2], [0.4])).toEqual([{ x: 0.2, y: 0.4 }]);
    expect(thin([], [])).toEqual([]);
  });

  it("bounds a curve of one point per distinct score to the chart's resolution", () => {
    const n = 200_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
    const kept = thin(xs, xs, 0.001);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept.length).toBeLessThanOrEqual(1001);
    expect(kept.at(-1)).toEqual({ x: 1, y: 1 });
  });
});

describe("HTML report", () => {
  it("renders a self-contained page with the metrics table and one inline SVG per chart", async () => {
    const r = await renderReport(input());
    expect(Object.keys(r.files).sort()).toEqual(["index.html", ...CHARTS].sort());
    const html = r.files["index.html"]!.toString();
    expect(html).toContain("Fraud model &#60;v1&#62;");
    expect(html).toContain("<td>0.8333</td>");
    expect(html.match(/<svg /g)).toHaveLength(4);
    for (const name of CHARTS) expect(html).toContain(r.files[name]!.toString());
    // offline: nothing fetched, nothing run (the SVG namespace URIs are names, not requests)
    expect(html).not.toMatch(/<script|<img|<link|src=|url\(http|href="http/i);
  });

  it("gives each chart its title, axis titles and legend", async () => {
    const r = await renderReport(input());
    const svg = (name: string) => r.files[name]!.toString();
    const expected: Record<string, string[]> = {
      "roc.svg": ["ROC curve", "False positive rate", "True positive rate", "Model", "XGBoost", "Logistic baseline"],
      "precision-recall.svg": ["Precision-recall curve", "Recall", "Precision", "Model", "XGBoost", "Logistic baseline"],
      "score-distribution.svg": ["Score distribution (share of class)", "Score", "Share of class", "Class", "Genuine", "Fraud"],
      "feature-importance.svg": ["Feature importance (total gain)", "Share of total gain", "amount", "card_tx_count_1d", "75.0%"],
    };
    for (const [name, texts] of Object.entries(expected)) {
      expect(svg(name)).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      for (const t of texts) expect(svg(name), `${name}: ${t}`).toContain(`>${t}</text>`);
    }
    // the models' own colours draw their curves
    expect(svg("roc.svg")).toContain('stroke="#d62728"');
    expect(svg("roc.svg")).toContain('stroke="#1f77b4"');
  });

  it("stands the score distribution's bars on zero, a whole class in one bin the full plot high", async () => {
    const svg = await renderSvg(scoreDistributionSpec([0.01, 0.99], [0, 1]));
    // Vega draws a bar as "M x,y h width v height h -width Z"; the plot is 360 high
    expect(svg).toMatch(/d="M0,0h[\d.]+v360h-[\d.]+Z" fill="#1f77b4"/);
    expect(svg).toMatch(/d="M[\d.]+,0h[\d.]+v360h-[\d.]+Z" fill="#d62728"/);
  });

  it("renders the same bytes every time", async () => {
    const a = await renderReport(input());
    const b = await renderReport(input());
    for (const name of Object.keys(a.files)) expect(b.files[name]!.equals(a.files[name]!), name).toBe(true);
  });

  it("keeps a test window's worth of curve points to a page-sized SVG", async () => {
    const n = 100_000;
    const scores = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % n) / n);
    const labels = Uint8Array.from({ length: n }, (_, i) => (scores[i]! > 0.7 && i % 3 === 0 ? 1 : 0));
    const svg = await renderSvg(rocSpec([{ name: "XGBoost", color: "#d62728", curves: curves(scores, labels) }]));
    expect(svg.length).toBeLessThan(200_000);
  });
});
