/** What `npm run bench:quality` prints: one table per data kind, or the same facts as one JSON object. */
import type { QualityRun } from "./quality-comparison";

export interface QualityReport {
  readonly benchmark: "bench:quality";
  /** `git rev-parse --short HEAD`. */
  readonly commit: string;
  /** Tracked files differed from the commit when the benchmark ran. */
  readonly uncommittedChanges: boolean;
  readonly seed: number;
  readonly node: string;
  readonly runs: readonly QualityRun[];
}

const pct = (part: number, whole: number): string => `${((100 * part) / Math.max(1, whole)).toFixed(2)}%`;

function formatRun(r: QualityRun): string[] {
  const width = Math.max(...r.models.map((m) => m.model.length));
  const header = `${"model".padEnd(width)}  ${["AUC", "AP", "CP@100"].map((h) => h.padStart(6)).join("  ")}  ${"seconds".padStart(7)}`;
  return [
    `${r.data} data: ${r.transactions} transactions, ${r.frauds} frauds (${pct(r.frauds, r.transactions)}), ${r.population.days} days from ${r.startDate}, ` +
      `${r.population.cards} cards, ${r.population.merchants} terminals`,
    `windows: ${r.windows}; every test transaction scored`,
    `train: ${r.train.rows} rows, ${r.train.frauds} frauds; test: ${r.test.rows} rows, ${r.test.frauds} frauds`,
    header,
    ...r.models.map(
      (m) =>
        `${m.model.padEnd(width)}  ${[m.auc, m.averagePrecision, m.cardPrecisionAt100].map((v) => v.toFixed(4)).join("  ")}  ${(m.seconds === undefined ? "-" : m.seconds.toFixed(1)).padStart(7)}`,
    ),
    `wall time: simulate ${r.seconds.simulate.toFixed(1)} s, Handbook features (all rows) ${r.seconds.handbookFeatures.toFixed(1)} s; ` +
      `the trainer's ${r.models[0]!.seconds?.toFixed(1)} s hold its feature pass (${r.trainerSeconds.features.toFixed(1)} s), ` +
      `XGBoost (${r.trainerSeconds.xgboost.toFixed(1)} s), its logistic baseline and its report`,
  ];
}

/** The human-readable report. */
export function formatQualityReport(report: QualityReport): string {
  const lines = [
    `bench:quality  commit ${report.commit}${report.uncommittedChanges ? " (with uncommitted changes)" : ""}  seed ${report.seed}  node ${report.node}`,
  ];
  for (const run of report.runs) lines.push("", ...formatRun(run));
  return `${lines.join("\n")}\n`;
}
