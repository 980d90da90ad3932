/** `npm run plan -- --help` prints usage (it used to plan the dev stack), and bad flags are refused. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parsePlanArgs, PLAN_USAGE, PlanUsageError } from "./plan";

describe("plan's command line", () => {
  it("reads --help/-h, --stack, --json and --preview", () => {
    expect(parsePlanArgs(["--help"])).toEqual({ help: true });
    expect(parsePlanArgs(["--stack", "prod", "-h"])).toEqual({ help: true });
    expect(parsePlanArgs([])).toEqual({ help: false, stack: "dev", json: false, preview: false });
    expect(parsePlanArgs(["--stack", "prod", "--json", "--preview"])).toEqual({ help: false, stack: "prod", json: true, preview: true });
  });

  it("refuses an unknown flag or stack instead of planning dev", () => {
    expect(() => parsePlanArgs(["--stak", "prod"])).toThrow(PlanUsageError);
    expect(() => parsePlanArgs(["--stack", "staging"])).toThrow(/expected dev or prod/);
    expect(() => parsePlanArgs(["prod"])).toThrow(PlanUsageError);
  });

  it("prints the usage on stdout and exits 0 for --help, without evaluating a stack", () => {
    const tsx = join(__dirname, "../node_modules/.bin/tsx");
    const r = spawnSync(tsx, [join(__dirname, "plan.ts"), "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${PLAN_USAGE}\n`);
    const bad = spawnSync(tsx, [join(__dirname, "plan.ts"), "--stak", "prod"], { encoding: "utf8", timeout: 30_000 });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toContain("usage: npm run plan");
  }, 40_000);
});
