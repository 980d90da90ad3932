/**
 * `npm run bench:quality`: our trainer against the Fraud Detection Handbook's two baseline models
 * (XGBoost and logistic regression on the book's 15 features), on the same rows of data simulated
 * in the book's protocol (see quality-comparison.ts). Flags: --seed N (default 1), --data
 * handbook|recency|both (default handbook), --json (one JSON object on stdout; progress on stderr).
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { runQualityComparison } from "./quality-comparison";
import { QUALITY_DATA_KINDS, type QualityDataKind } from "./quality-data";
import { formatQualityReport, type QualityReport } from "./quality-report";

function git(args: string[]): string | undefined {
  const out = spawnSync("git", args, { encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

function parse(argv: string[]): { seed: number; kinds: QualityDataKind[]; json: boolean } {
  const { values } = parseArgs({ args: argv, options: { seed: { type: "string" }, data: { type: "string" }, json: { type: "boolean" } } });
  const seed = Number(values.seed ?? 1);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${JSON.stringify(values.seed)}`);
  const data = values.data ?? "handbook";
  const kinds = data === "both" ? [...QUALITY_DATA_KINDS] : QUALITY_DATA_KINDS.filter((k) => k === data);
  if (kinds.length === 0) throw new Error(`--data must be ${QUALITY_DATA_KINDS.join("|")}|both, got ${JSON.stringify(data)}`);
  return { seed, kinds, json: values.json ?? false };
}

async function main(): Promise<void> {
  const { seed, kinds, json } = parse(process.argv.slice(2));
  const log = (msg: string): void => void process.stderr.write(`${msg}\n`);
  log(`bench:quality: seed ${seed}, data ${kinds.join(", ")}`);
  const runs = [];
  for (const data of kinds) runs.push(await runQualityComparison({ data, seed, log }));
  const report: QualityReport = {
    benchmark: "bench:quality",
    commit: git(["rev-parse", "--short", "HEAD"]) ?? "unknown",
    uncommittedChanges: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "",
    seed,
    node: process.version,
    runs,
  };
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatQualityReport(report));
}

main().catch((err: Error) => {
  process.stderr.write(`bench:quality failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
