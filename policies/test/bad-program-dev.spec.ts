// The same bad program in dev: still rejected; the production rules only advise there.
// (A separate file: each program run needs its own Pulumi runtime, which is per module graph.)
import { describe, expect, it } from "vitest";
import { analyzeAll, mandatory, policiesOf } from "./analyzer";
import { badProgram } from "./fixtures/bad-program";
import { recordProgram } from "./record";

describe("a deliberately bad program in dev", () => {
  it("is rejected; Multi-AZ, deletion protection and backups are advisory", async () => {
    const ds = await analyzeAll(await recordProgram(badProgram, "dev"), "dev");
    expect(mandatory(ds).length).toBeGreaterThan(20);
    expect(policiesOf(mandatory(ds))).not.toContain("aws-rds-multi-az");
    expect(policiesOf(ds.filter((d) => d.level === "advisory"))).toEqual([
      "aws-rds-backup-retention",
      "aws-rds-deletion-protection",
      "aws-rds-multi-az",
    ]);
  }, 30_000);
});
