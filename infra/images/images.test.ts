/**
 * The images the program builds and pushes (AppImages) and how the workloads reference them: by
 * the pushed digest, after their ECR repositories exist; or, with `workloads.prebuiltImages`, no
 * build at all and the given digests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byType, byUrn, one, ROOT, runStack, SECRET, stackConfig, type RecordedResource, type StackRun } from "../testing/harness";
import { BUILD_SOURCES, DOCKERFILES } from "./app-images";
import { sourceTag } from "./source-tag";

const IMAGE = "docker-build:index:Image";
const REPO = "aws:ecr/repository:Repository";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CRONJOB = "kubernetes:batch/v1:CronJob";

const runs: Record<string, StackRun> = {};
const PREBUILT = {
  api: `123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-platform-prod/api@sha256:${"a".repeat(64)}`,
  trainer: `123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-platform-prod/trainer@sha256:${"b".repeat(64)}`,
};
beforeAll(async () => {
  runs.prod = await runStack("prod");
  const workloads = JSON.parse(stackConfig("prod").config["fraud-platform:workloads"]!);
  runs.prebuilt = await runStack("prod", {
    configOverrides: { "fraud-platform:workloads": JSON.stringify({ ...workloads, prebuiltImages: PREBUILT }) },
  });
}, 90_000);

const containerImages = (r: RecordedResource): string[] => {
  const pod = r.type === CRONJOB ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec;
  return [...(pod.initContainers ?? []), ...pod.containers].map((c: { image: string }) => c.image);
};

describe("images built by the program", () => {
  it("builds the API and trainer images for the nodes' architecture and pushes them to the stack's repositories", () => {
    const run = runs.prod!;
    const images = byType(run, IMAGE);
    expect(images.map((i) => i.name).sort()).toEqual(["app-api", "app-trainer"]);
    for (const [key, image] of [
      ["api", one(run, IMAGE, "-api")],
      ["trainer", one(run, IMAGE, "-trainer")],
    ] as const) {
      const repo = one(run, REPO, `-${key}`);
      expect(byUrn(run, image.parent)?.type).toBe("fraud-platform:images:AppImages");
      // paths relative to the project directory: the same in every checkout, so no rebuild from where it runs
      expect(image.inputs).toMatchObject({
        push: true,
        buildOnPreview: false,
        platforms: ["linux/amd64"],
        context: { location: "." },
        dockerfile: { location: `app/Dockerfile.${key}` },
      });
      expect(image.inputs.tags).toEqual([expect.stringMatching(new RegExp(`^${repo.state.repositoryUrl}:src-[0-9a-f]{16}$`))]);
      // pushed only once its repository exists, with the account's ECR token (kept secret)
      expect(image.dependencies).toContain(repo.urn);
      expect(image.inputs.registries).toEqual([{ address: repo.state.repositoryUrl.split("/")[0], username: "AWS", password: SECRET }]);
    }
    expect(one(run, IMAGE, "-trainer").inputs.buildArgs?.GIT_COMMIT ?? "none").toMatch(/^([0-9a-f]{40}|none)$/);
  });

  it("the workloads run the pushed images by digest, and the stack outputs name them", () => {
    const run = runs.prod!;
    const ref = (key: string) => `${one(run, REPO, `-${key}`).state.repositoryUrl}@${one(run, IMAGE, `-${key}`).state.digest}`;
    expect(ref("api")).toMatch(/@sha256:[0-9a-f]{64}$/);
    const deployments = byType(run, DEPLOYMENT).filter((d) => /-(api|worker)-/.test(d.name));
    expect(deployments).toHaveLength(2);
    for (const d of deployments) expect(new Set(containerImages(d))).toEqual(new Set([ref("api")]));
    // every CronJob (training, drift-triggered retraining, ...) runs the trainer image
    const cronJobs = byType(run, CRONJOB);
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const c of cronJobs) expect(new Set(containerImages(c)), c.name).toEqual(new Set([ref("trainer")]));
    expect(run.outputs).toMatchObject({ apiImage: ref("api"), trainerImage: ref("trainer") });
  });

  it("with prebuiltImages: nothing is built, the given digests are run and exported", () => {
    const run = runs.prebuilt!;
    expect(byType(run, IMAGE)).toEqual([]);
    expect(byType(run, "fraud-platform:images:AppImages")).toEqual([]);
    for (const d of byType(run, DEPLOYMENT).filter((x) => /-(api|worker)-/.test(x.name)))
      expect(new Set(containerImages(d))).toEqual(new Set([PREBUILT.api]));
    const cronJobs = byType(run, CRONJOB);
    expect(cronJobs.length).toBeGreaterThan(0);
    for (const c of cronJobs) expect(new Set(containerImages(c)), c.name).toEqual(new Set([PREBUILT.trainer]));
    expect(run.outputs).toMatchObject({ apiImage: PREBUILT.api, trainerImage: PREBUILT.trainer });
  });
});

describe("the build context", () => {
  it("holds the Dockerfiles and every source they copy; .dockerignore keeps the rest out", () => {
    for (const f of [...Object.values(DOCKERFILES), ...BUILD_SOURCES]) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
    for (const d of Object.values(DOCKERFILES)) {
      const copied = [...fs.readFileSync(path.join(ROOT, d), "utf8").matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) =>
        m[1]!.split(/\s+/),
      );
      expect(
        copied.every((c) => (BUILD_SOURCES as readonly string[]).includes(c)),
        `${d} copies ${copied.join(" ")}`,
      ).toBe(true);
    }
    const ignored = fs
      .readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(ignored).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", ".git", ".pulumi"]));
    expect(ignored.filter((l) => BUILD_SOURCES.some((s) => l === s || l === `${s}/`))).toEqual([]);
  });
});

describe("sourceTag", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "source-tag-"));
    fs.mkdirSync(path.join(dir, "app", "src"), { recursive: true });
    fs.mkdirSync(path.join(dir, "app", "node_modules"), { recursive: true });
    fs.writeFileSync(path.join(dir, "package.json"), "{}");
    fs.writeFileSync(path.join(dir, "app", "Dockerfile.api"), "FROM node:24");
    fs.writeFileSync(path.join(dir, "app", "src", "main.ts"), "console.log(1)");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const tag = (extra = {}) => sourceTag(dir, ["package.json", "app"], extra);

  it("is stable for the same sources and build args, and changes with any of them", () => {
    const first = tag();
    expect(first).toMatch(/^src-[0-9a-f]{16}$/);
    expect(tag()).toBe(first);
    expect(tag({ GIT_COMMIT: "abc" })).not.toBe(first);
    fs.writeFileSync(path.join(dir, "app", "node_modules", "x.js"), "ignored: not in the build context");
    expect(tag()).toBe(first);
    fs.writeFileSync(path.join(dir, "app", "src", "main.ts"), "console.log(2)");
    const changed = tag();
    expect(changed).not.toBe(first);
    fs.renameSync(path.join(dir, "app", "src", "main.ts"), path.join(dir, "app", "src", "other.ts"));
    expect(tag()).not.toBe(changed); // a renamed file is a different context
  });
});
