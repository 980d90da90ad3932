/** The comparison as a self-contained HTML page, stored in the registry beside comparison.json. */
import { COMPARED_METRICS, type Estimate } from "../registry/comparison";
import type { PairComparison } from "./compare";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const cell = (e: Estimate) =>
  `<td>${Number.isFinite(e.value) ? e.value.toFixed(4) : "n/a"}<br><small>[${e.low.toFixed(4)}, ${e.high.toFixed(4)}]</small></td>`;

export function comparisonHtml(since: string, until: string, pairs: readonly PairComparison[]): string {
  const sections = pairs.map(
    (p) => `<h2>${esc(p.champion)} (champion) vs ${esc(p.challenger)} (challenger, ${esc(p.modes.join(", "))})</h2>
<p>${p.rows} decisions, ${p.frauds} frauds, ${p.cards} cards, ${esc(p.from)} to ${esc(p.to)}.
<strong>Verdict: challenger ${p.verdict.better ? "better" : "not better"}</strong> by the gate's rule (${esc(p.verdict.reason)}).</p>
<table><tr><th>metric</th><th>champion</th><th>challenger</th><th>challenger &minus; champion</th></tr>
${COMPARED_METRICS.map((k) => `<tr><th>${k}</th>${cell(p.metrics.champion[k])}${cell(p.metrics.challenger[k])}${cell(p.metrics.difference[k])}</tr>`).join("\n")}
</table>`,
  );
  return `<!doctype html><meta charset="utf-8"><title>Champion vs challenger</title>
<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}table{border-collapse:collapse}</style>
<h1>Champion vs challenger on labelled live decisions</h1>
<p>Decisions from ${esc(since)} to ${esc(until)} (younger ones wait for their labels). 95% intervals from a bootstrap over cards.</p>
${sections.join("\n") || "<p>No labelled decision was scored by a challenger in this window.</p>"}
`;
}
