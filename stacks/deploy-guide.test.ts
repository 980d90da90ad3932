/**
 * docs/deploy.md stays true: the stack names, config keys, outputs, runner names and GitHub
 * settings it tells people to use are the ones the program and the workflows use.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { loadSettings, PROJECT } from "./settings";
import { ConfigError } from "../app/src/config/config-error";
import { SettingsReader } from "./validate";
import { deployerName } from "../infra/naming";
import { ROOT, runStack, stackConfig, type StackRun } from "../infra/testing/harness";

const guide = fs.readFileSync(path.join(ROOT, "docs", "deploy.md"), "utf8");
const workflowText = (f: string) => fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8");
const workflow = (f: string) => YAML.parse(workflowText(f));
const project = (YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;
const all = (re: RegExp) => [...guide.matchAll(re)].map((m) => m[1]!);

/** The config keys the guide names: `--path` arguments and the first column of its config tables. */
function guideConfigKeys(): string[] {
  const fromCommands = all(/--path ([\w.[\]:]+)/g);
  const fromTables = all(/^\| `([\w.:]+)`/gm);
  const extra = all(/^\| `[\w.:]+`, `([\w.:]+)`/gm);
  return [...new Set([...fromCommands, ...fromTables, ...extra])].map((k) => k.replace(/\[\d+\]/g, ""));
}

/** Problems of the dev stack file with `key` set to a probe value: an unknown key says "no such setting". */
function unknownKey(key: string): boolean {
  const { config } = stackConfig("dev");
  const sections: Record<string, any> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(`${PROJECT}:`)) sections[k.slice(PROJECT.length + 1)] = JSON.parse(v);
  const parts = key.split(".");
  let obj = sections;
  for (const p of parts.slice(0, -1)) obj = obj[p] = typeof obj[p] === "object" && obj[p] !== null ? obj[p] : {};
  obj[parts[parts.length - 1]!] = "probe";
  try {
    loadSettings(new SettingsReader(PROJECT, (k) => (sections[k] === undefined ? undefined : JSON.stringify(sections[k]))), "dev");
    return false;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.problems.some((p) => /no such setting|the section is required/.test(p.allowed) && `${PROJECT}:${key}`.startsWith(p.key));
  }
}

let prod: StackRun;
beforeAll(async () => {
  prod = await runStack("prod");
}, 60_000);

describe("docs/deploy.md", () => {
  it("names the stacks as CI does: <org>/<project>/<stack>, each created with the KMS secrets provider", () => {
    const names = [...all(/pulumi stack (?:init|select|rm) ([^\s`"]+)/g), ...all(/--stack ([^\s`"]+)/g)];
    expect(names.length).toBeGreaterThanOrEqual(6);
    const ci = workflow("deploy-stack.yml").jobs.deploy.env.STACK as string;
    for (const name of names) {
      const [org, proj, stack] = name.split("/");
      expect(["organization", "<org>"], name).toContain(org);
      expect(["dev", "prod"], name).toContain(stack);
      expect(proj, name).toBe(project);
      expect(ci.replace("${{ vars.PULUMI_ORG }}", org!).replace("${{ inputs.stack }}", stack!)).toBe(name);
    }
    const inits = guide.split("\n").filter((l) => l.startsWith("pulumi stack init "));
    expect(inits).toHaveLength(4);
    for (const l of inits) expect(l).toMatch(/ --secrets-provider "awskms:\/\/alias\/[\w/-]+\?region=[a-z0-9-]+"$/);
  });

  it("every config key it names is a setting of the program", () => {
    const keys = guideConfigKeys();
    expect(keys).toEqual(
      expect.arrayContaining([
        "deployer.githubRepository",
        "deployer.connectionArn",
        "workloads.enabled",
        "workloads.ingress.certificateArn",
        "cluster.adminRoleArns",
        "aws:region",
      ]),
    );
    for (const key of keys) {
      if (key.includes(":")) expect(Object.keys(stackConfig("prod").config), key).toContain(key);
      else expect(unknownKey(key), key).toBe(false);
    }
    expect(unknownKey("deployer.githubRepo")).toBe(true); // the probe does catch a wrong key
  });

  it("every stack output it reads exists", () => {
    const outputs = all(/pulumi stack output (\w+)/g);
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    for (const o of new Set(outputs)) expect(Object.keys(prod.outputs), o).toContain(o);
  });

  it("names the runner, its label and its log group as the program and the workflow do", () => {
    for (const stack of ["dev", "prod"]) {
      expect(`${project}-<stack>-deployer`.replace("<stack>", stack)).toBe(deployerName(project, stack));
    }
    expect(guide).toContain(`\`${project}-<stack>-deployer\``);
    const label = (workflow("deploy-stack.yml").jobs.deploy["runs-on"] as string)
      .replace("${{ inputs.stack }}", "<stack>")
      .replace("${{ github.run_id }}", "<run id>")
      .replace("${{ github.run_attempt }}", "<attempt>");
    expect(guide).toContain(`runs-on: ${label}`);
    expect(guide).toContain(`/aws/codebuild/${project}-<stack>-deployer`);
  });

  it("lists exactly the GitHub variables and secrets the workflows read", () => {
    const used = new Set(
      ["checks.yml", "deploy-stack.yml", "deploy.yml", "pull-request.yml"].flatMap((f) =>
        [...workflowText(f).matchAll(/\b(?:vars|secrets)\.([A-Z_]+)/g)].map((m) => m[1]!),
      ),
    );
    const paragraph = guide.slice(guide.indexOf("**In GitHub**"), guide.indexOf("\n\n", guide.indexOf("**In GitHub**")));
    const named = new Set([...paragraph.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!));
    expect([...named].sort()).toEqual([...used].sort());
  });

  it("asks for the Node major and the Pulumi version the project pins", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const major = /^>=(\d+) /.exec(pkg.engines.node)![1];
    expect(guide).toContain(`nvm install ${major}\n`);
    const sdk = (pkg.dependencies["@pulumi/pulumi"] as string).split(".").slice(0, 2).join(".");
    expect(guide).toContain(`Pulumi CLI (${sdk} or newer`);
  });
});
