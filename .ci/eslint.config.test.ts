/**
 * The import-direction rules of .ci/eslint.config.mjs, run through ESLint's Node API on one-line
 * modules placed (by file path only) where each rule applies: each rule fires on the import it
 * forbids and stays quiet on the imports the layering allows.
 */
import * as path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: path.join(ROOT, ".ci/eslint.config.mjs") });

/** The no-restricted-imports messages for `import { x } from "<specifier>"` in a file at `file`. */
async function restricted(file: string, specifier: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import { x } from "${specifier}";\nexport const y = x;\n`, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

const cases: [file: string, specifier: string, fires: RegExp | false][] = [
  // app layers
  ["app/src/serving/x.ts", "../api/server", /upward import: serving is shared/],
  ["app/src/api/x.ts", "../serving/scoring", false],
  // infra/ never sees the program that composes it
  ["infra/workloads/x.ts", "../../stacks/program", /infra\/ must not import stacks\//],
  ["infra/x.ts", "../stacks/settings", /infra\/ must not import stacks\//],
  ["infra/workloads/x.test.ts", "../../stacks/validate", /infra\/ must not import stacks\//],
  ["infra/testing/x.ts", "../../stacks/program", false],
  // the Pulumi side reads the app through config/ only
  ["infra/workloads/x.ts", "../../app/src/config/deploy-contract", false],
  ["infra/workloads/x.ts", "../../app/src/features/distribution", /only through app\/src\/config\//],
  ["infra/workloads/x.ts", "../../app/src/features/vector", /only through app\/src\/config\//],
  ["infra/workloads/x.ts", "../../app/src/serving/metrics", /only through app\/src\/config\//],
  ["infra/workloads/x.ts", "../../app/src/configuration", /only through app\/src\/config\//],
  ["infra/workloads/x.test.ts", "../../app/src/serving/metrics", false],
  ["infra/testing/x.ts", "../../app/src/serving/metrics", /only through app\/src\/config\//],
  ["stacks/x.ts", "../app/src/config/config-error", false],
  ["stacks/x.ts", "../app/src/serving/config", /only through app\/src\/config\//],
  ["stacks/x.test.ts", "../app/src/features/distribution", /only through app\/src\/config\//],
  ["stacks/x.ts", "../infra/platform", false],
  // the policy pack is its own package
  ["stacks/x.ts", "../policies/lib/values", /policy pack is its own package/],
  ["infra/data/x.ts", "../../policies/rules", /policy pack is its own package/],
  ["policies/aws/s3/x.ts", "../../../infra/naming", /imports nothing outside policies\//],
  ["policies/x.ts", "../app/src/config/deploy-contract", /imports nothing outside policies\//],
  ["policies/aws/s3/x.ts", "../../lib/values", false],
  ["policies/test/x.ts", "../../infra/testing/harness", false],
];

describe("import direction", () => {
  it.each(cases)("%s importing %s: %s", async (file, specifier, fires) => {
    const messages = await restricted(file, specifier);
    if (fires) expect(messages).toEqual([expect.stringMatching(fires)]);
    else expect(messages).toEqual([]);
  });
});
