import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { savedQueries } from "../observability/queries";
import { workloadOptions } from "../testing/workload-options";
import { alertRuleGroups } from "./alerts";

const RUNBOOK = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "runbook.md"), "utf8");
/** The runbook's alert table: one row per alert, its first cell naming it. */
const rows = RUNBOOK.split("\n").filter((l) => l.startsWith("| `"));

describe("the runbook", () => {
  it("has a row for every alert the program defines (what it means, where to look, what to do)", () => {
    const alerts = alertRuleGroups(workloadOptions()).flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts.length).toBeGreaterThan(10);
    for (const a of alerts) {
      const row = rows.find((r) => r.split("|")[1]!.includes(`\`${a}\``));
      expect(row, a).toBeDefined();
      expect(row!.split("|").filter((c) => c.trim() !== "").length, a).toBe(4);
    }
  });

  it("lists every saved Logs Insights query the program creates", () => {
    for (const q of savedQueries({ slowRequestMs: 250 })) expect(RUNBOOK, q.id).toContain(`| \`${q.id}\` |`);
  });
});
