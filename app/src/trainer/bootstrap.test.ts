/** With the XGBoost CLI, the first-run bootstrap trains its own model (the seed is the fallback). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { LocalRegistry } from "../registry/local-registry";
import { describeWithXgboost } from "../testing/services";
import { bootstrapModel } from "./bootstrap";

describeWithXgboost("bootstrap with the XGBoost CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "bootstrap-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("simulates, trains and promotes a new version, not the seed", async () => {
    const lines: string[] = [];
    const version = await bootstrapModel(dir, (m) => lines.push(m));
    expect(version).toMatch(/^v\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const registry = new LocalRegistry(dir);
    expect((await registry.readManifest()).production).toBe(version);
    expect(await registry.listVersions()).toEqual([version]);
    expect(lines.some((l) => l.includes("XGBoost CLI not found"))).toBe(false);
    expect(lines.at(-1)).toMatch(new RegExp(`^bootstrap: model ${version} is production \\(.* test AUC 0\\.9\\d+\\)$`));
  }, 60_000);
});
