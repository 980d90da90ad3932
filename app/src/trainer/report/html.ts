/**
 * The evaluation report: one self-contained HTML page (charts inlined as SVG, so it opens the same
 * offline, from a local directory or a presigned S3 link) plus the same charts as SVG files.
 */
import type { FeatureImportance } from "../../model/xgboost-model";
import type { EvaluationMetrics } from "../../registry/metadata";
import type { Curves } from "../metrics";
import { COLORS, importanceSpec, precisionRecallSpec, rocSpec, scoreDistributionSpec, type Color, type Series } from "./charts";
import { renderSvg } from "./svg";

export interface ReportModel {
  readonly name: string;
  readonly metrics: EvaluationMetrics;
  readonly curves: Curves;
  readonly color: Color;
}

export interface ReportInput {
  readonly title: string;
  readonly version: string;
  /** Name/value lines shown under the title (data window, source, parameters...). */
  readonly facts: readonly (readonly [string, string])[];
  /** The boosted model first; then the baseline and, when there is one, the champion. */
  readonly models: readonly ReportModel[];
  /** The boosted model's test-window scores and labels, for the score distribution. */
  readonly scores: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly importance: readonly FeatureImportance[];
  /** Plain-text notes (the promotion decision, bad rows...). */
  readonly notes: readonly string[];
}

export interface RenderedReport {
  /** Paths relative to the report directory: index.html and the charts as SVG files. */
  readonly files: Readonly<Record<string, Buffer>>;
}

export { COLORS };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: number): string {
  return Number.isNaN(v) ? "n/a" : v.toFixed(4);
}

const METRIC_ROWS: readonly [keyof EvaluationMetrics, string, string][] = [
  ["auc", "AUC ROC", "Probability that a random fraud scores above a random genuine transaction."],
  ["averagePrecision", "Average precision", "Area under the precision-recall curve; what matters when fraud is rare."],
  [
    "cardPrecisionAt100",
    "Card precision@100 per day",
    "Share of frauded cards among the 100 riskiest cards each day (an investigator team's daily capacity).",
  ],
  ["recallAt1PctFpr", "Recall at 1% FPR", "Share of frauds caught when 1% of genuine transactions are flagged."],
];

export function importanceShares(importance: readonly FeatureImportance[]): { feature: string; share: number; by: "gain" | "splits" }[] {
  const total = importance.reduce((s, i) => s + i.gain, 0);
  const by = total > 0 ? "gain" : "splits";
  const denom =
    total > 0
      ? total
      : Math.max(
          1,
          importance.reduce((s, i) => s + i.splits, 0),
        );
  return importance
    .map((i) => ({ feature: i.feature, share: (by === "gain" ? i.gain : i.splits) / denom, by }) as const)
    .sort((a, b) => b.share - a.share);
}

export async function renderReport(input: ReportInput): Promise<RenderedReport> {
  const series: Series[] = input.models.map((m) => ({ name: m.name, color: m.color, curves: m.curves }));
  const shares = importanceShares(input.importance);
  const specs = {
    "roc.svg": rocSpec(series),
    "precision-recall.svg": precisionRecallSpec(series),
    "score-distribution.svg": scoreDistributionSpec(input.scores, input.labels),
    "feature-importance.svg": importanceSpec(shares, shares[0]?.by === "splits" ? "splits" : "total gain"),
  };
  const svgs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(specs)) svgs[name] = await renderSvg(spec);
  const img = (name: string, alt: string): string =>
    `<figure role="img" aria-label="${esc(alt)}">${svgs[name]!}<figcaption><a href="${name}">${name}</a></figcaption></figure>`;
  const head = input.models.map((m) => `<th>${esc(m.name)}</th>`).join("");
  const rows = METRIC_ROWS.map(
    ([key, label, help]) =>
      `<tr><th title="${esc(help)}">${esc(label)}</th>${input.models.map((m) => `<td>${fmt(m.metrics[key] as number)}</td>`).join("")}<td class="help">${esc(help)}</td></tr>`,
  ).join("\n");
  const counts = input.models[0]
    ? `<tr><th>Rows / frauds</th>${input.models.map((m) => `<td>${m.metrics.rows} / ${m.metrics.frauds}</td>`).join("")}<td class="help">Test window.</td></tr>`
    : "";
  const importanceRows = shares
    .map((s) => {
      const fi = input.importance.find((i) => i.feature === s.feature)!;
      return `<tr><td>${esc(s.feature)}</td><td>${(100 * s.share).toFixed(2)}%</td><td>${fi.gain.toFixed(1)}</td><td>${fi.cover.toFixed(1)}</td><td>${fi.splits}</td></tr>`;
    })
    .join("\n");
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(input.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1340px;padding:0 1rem;color:#222}
h1{font-size:1.5rem;margin-bottom:.2rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0} th,td{padding:.3rem .7rem;border-bottom:1px solid #eee;text-align:left}
td{font-variant-numeric:tabular-nums} .help{color:#777;font-size:.85rem} .facts th{color:#555;font-weight:600}
.charts{display:flex;flex-wrap:wrap;gap:1rem} figure{margin:0} figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.8rem;color:#777} .notes li{margin:.2rem 0}
</style></head><body>
<h1>${esc(input.title)}</h1>
<table class="facts">${input.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>
<h2>Test-window metrics</h2>
<table><tr><th></th>${head}<th></th></tr>
${rows}
${counts}
</table>
${input.notes.length ? `<ul class="notes">${input.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>` : ""}
<h2>Curves and scores</h2>
<div class="charts">
${img("roc.svg", "ROC curves")}
${img("precision-recall.svg", "Precision-recall curves")}
${img("score-distribution.svg", "Score distribution by class")}
</div>
<h2>Feature importance (${esc(input.models[0]?.name ?? "model")})</h2>
<div class="charts">${img("feature-importance.svg", "Feature importance")}
<table><tr><th>Feature</th><th>Share</th><th>Gain</th><th>Cover</th><th>Splits</th></tr>
${importanceRows}</table></div>
</body></html>
`;
  const files: Record<string, Buffer> = { "index.html": Buffer.from(html) };
  for (const [name, svg] of Object.entries(svgs)) files[name] = Buffer.from(svg);
  return { files };
}
