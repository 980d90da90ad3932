import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModelVersion, loadProductionModel } from "./load";
import { startFakeS3, type FakeS3 } from "../testing/fake-s3";
import { testModelJson, testVersionFiles } from "../testing/model-fixtures";
import { LocalRegistry } from "./local-registry";
import { MetadataError } from "./metadata";
import { openRegistry } from "./open";
import { testComparison } from "../testing/comparison-fixtures";
import { challenger, RegistryError, VersionExistsError, VersionNotFoundError, type ModelRegistry } from "./registry";
import { parseS3Uri, S3Registry } from "./s3-registry";

/** What every registry must do, whatever it stores into. */
function contract(name: string, open: () => Promise<ModelRegistry>): void {
  describe(name, () => {
    let registry: ModelRegistry;
    beforeAll(async () => {
      registry = await open();
    });

    it("starts empty", async () => {
      expect(await registry.listVersions()).toEqual([]);
      expect(await registry.readManifest()).toEqual({ production: null, history: [] });
      expect(await loadProductionModel(registry)).toBeNull();
    });

    it("stores a version with its report and reads it back", async () => {
      await registry.putVersion("v1", { ...testVersionFiles("v1"), "report/roc.png": Uint8Array.of(0x89, 0x50, 0x4e, 0x47) });
      const stored = await registry.getModel("v1");
      expect(stored.metadata.version).toBe("v1");
      expect(stored.modelJson).toBe(testModelJson());
      expect(Array.from(await registry.getFile("v1", "report/roc.png"))).toEqual([0x89, 0x50, 0x4e, 0x47]);
      const loaded = await loadModelVersion(registry, "v1");
      expect(loaded.model.numTrees).toBe(1);
      expect(await registry.listVersions()).toEqual(["v1"]);
    });

    it("never overwrites a version", async () => {
      await expect(registry.putVersion("v1", testVersionFiles("v1", { gitCommit: "changed" }))).rejects.toThrow(VersionExistsError);
      expect((await registry.getModel("v1")).metadata.gitCommit).toBe("0000000000000000000000000000000000000000");
    });

    it("refuses incomplete or inconsistent versions before writing anything", async () => {
      await expect(registry.putVersion("v2", { "model.json": testModelJson() })).rejects.toThrow(/missing metadata.json/);
      await expect(registry.putVersion("v2", testVersionFiles("v3"))).rejects.toThrow(
        /metadata.version is "v3" but the model is stored as "v2"/,
      );
      await expect(registry.putVersion("v2", testVersionFiles("v2", {}, "{}"))).rejects.toThrow(/learner/);
      await expect(registry.putVersion("../x", testVersionFiles("../x"))).rejects.toThrow(/invalid model version/);
      await expect(registry.putVersion("v2", { ...testVersionFiles("v2"), "../escape": "x" })).rejects.toThrow(/invalid file path/);
      expect(await registry.listVersions()).toEqual(["v1"]);
      await expect(registry.getModel("v2")).rejects.toThrow(VersionNotFoundError);
    });

    it("promotes, rolls back through history, and refuses unknown versions", async () => {
      await registry.putVersion("v2", testVersionFiles("v2"));
      await registry.putVersion("v3", testVersionFiles("v3"));
      await expect(registry.promote("nope", "x")).rejects.toThrow(VersionNotFoundError);
      await expect(registry.rollback()).rejects.toThrow(/no earlier production version/);
      await registry.promote("v1", "first");
      await registry.promote("v2", "better AUC");
      await registry.promote("v3", "better again");
      expect((await registry.readManifest()).production).toBe("v3");
      expect((await loadProductionModel(registry))!.version).toBe("v3");
      expect((await registry.rollback("v3 misbehaves")).production).toBe("v2");
      // a second rollback goes further back instead of flipping to v3
      const m = await registry.rollback("v2 too");
      expect(m.production).toBe("v1");
      expect(m.history.map((e) => `${e.action}:${e.version}`)).toEqual([
        "promote:v1",
        "promote:v2",
        "promote:v3",
        "rollback:v2",
        "rollback:v1",
      ]);
      expect(m.history[3].reason).toBe("v3 misbehaves");
      await expect(registry.rollback()).rejects.toThrow(RegistryError);
      expect(await registry.listVersions()).toEqual(["v1", "v2", "v3"]);
    });

    it("promoting the version already in production changes nothing, so a rollback after it still goes back", async () => {
      expect((await registry.readManifest()).production).toBe("v1");
      await registry.promote("v2", "better");
      const before = await registry.readManifest();
      expect(await registry.promote("v2", "again")).toEqual(before);
      expect(await registry.readManifest()).toEqual(before);
      expect((await registry.rollback()).production).toBe("v1");
    });

    it("says where a version's file lives", () => {
      expect(registry.fileLocation("v1", "report/index.html")).toMatch(/^(s3:\/\/|\/).*models\/v1\/report\/index\.html$/);
    });

    it("sets, changes and clears a challenger in the history; promoting it clears it; production cannot challenge itself", async () => {
      const production = (await registry.readManifest()).production!;
      const other = production === "v1" ? "v2" : "v1";
      await expect(registry.setChallenger(challenger("nope", "shadow", undefined), "x")).rejects.toThrow(VersionNotFoundError);
      await expect(registry.setChallenger(challenger(production, "shadow", undefined), "x")).rejects.toThrow(/its own challenger/);
      expect(() => challenger(other, "ab", 1.5)).toThrow(/--share/);
      expect(() => challenger(other, "shadow", 0.1)).toThrow(/--mode ab only/);
      const before = (await registry.readManifest()).history.length;
      expect((await registry.setChallenger(challenger(other, "shadow", undefined), "try it")).challenger).toEqual({
        version: other,
        mode: "shadow",
        share: 0,
      });
      // the same again: no entry
      await registry.setChallenger(challenger(other, "shadow", undefined), "again");
      const ab = await registry.setChallenger(challenger(other, "ab", 0.1), "serve 10%");
      expect(ab.challenger).toEqual({ version: other, mode: "ab", share: 0.1 });
      expect((await registry.setChallenger(null, "enough")).challenger).toBeUndefined();
      await registry.setChallenger(challenger(other, "shadow", undefined), "once more");
      const promoted = await registry.promote(other, "it won");
      expect(promoted.production).toBe(other);
      expect(promoted.challenger).toBeUndefined();
      expect(promoted.history.slice(before).map((e) => `${e.action}:${e.version}:${e.mode ?? ""}:${e.share ?? ""}`)).toEqual([
        `challenger:${other}:shadow:0`,
        `challenger:${other}:ab:0.1`,
        `clear-challenger:${other}::`,
        `challenger:${other}:shadow:0`,
        `promote:${other}::`,
        `clear-challenger:${other}::`,
      ]);
      // challenger entries do not count as production changes: the rollback goes to the previous production
      expect((await registry.rollback()).production).toBe(production);
    });

    it("stores a comparison report", async () => {
      const where = await registry.putComparison("v1-vs-v2-x", { "comparison.json": "{}", "index.html": "<p>" });
      expect(where).toMatch(/comparisons\/v1-vs-v2-x\/?$/);
      await registry.putComparison("v1-vs-v2-x", { "comparison.json": '{"again":1}' });
    });

    it("keeps each pair's latest comparison, replaced by the next, NaN intervals round-tripped", async () => {
      expect(await registry.readLatestComparison("v1", "v2")).toBeUndefined();
      const first = testComparison("v1", "v2");
      await registry.putLatestComparison(first);
      await registry.putLatestComparison(testComparison("v1", "v3", { better: false }));
      const read = await registry.readLatestComparison("v1", "v2");
      expect(read).toEqual(first);
      expect(read!.metrics.challenger.auc.low).toBeNaN();
      const next = testComparison("v1", "v2", { at: "2026-12-02T04:30:00.000Z", rows: 13_000 });
      await registry.putLatestComparison(next);
      expect(await registry.readLatestComparison("v1", "v2")).toEqual(next);
      expect((await registry.readLatestComparison("v1", "v3"))!.better).toBe(false);
      await expect(registry.readLatestComparison("v1", "../v2")).rejects.toThrow(MetadataError);
      await expect(registry.readLatestComparison("v1", "../v2")).rejects.toThrow(/invalid model version/);
    });

    it("loses no promotion when several promoters race", async () => {
      // distinct versions, none of them production: a repeated one may land as a no-op
      for (const v of ["v4", "v5", "v6"]) await registry.putVersion(v, testVersionFiles(v));
      const before = (await registry.readManifest()).history.length;
      const versions = ["v2", "v3", "v4", "v5", "v6"];
      await Promise.all(versions.map((v, i) => registry.promote(v, `racer ${i}`)));
      const m = await registry.readManifest();
      expect(m.history.length).toBe(before + versions.length);
      expect(
        m.history
          .slice(before)
          .map((e) => e.reason)
          .sort(),
      ).toEqual(versions.map((_, i) => `racer ${i}`));
      expect(m.production).toBe(m.history[m.history.length - 1].version);
    });
  });
}

describe("local registry", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "registry-test-"));
    dirs.push(d);
    return d;
  };

  contract("contract", async () => openRegistry(join(tempDir(), "registry")));

  it("lays files out as documented and leaves no temp files", async () => {
    const root = tempDir();
    const registry = new LocalRegistry(root);
    await registry.putVersion("2024-01-01.1", testVersionFiles("2024-01-01.1"));
    await registry.promote("2024-01-01.1", "first");
    expect(readdirSync(root).sort()).toEqual(["manifest.json", "models"]);
    expect(readdirSync(join(root, "models"))).toEqual(["2024-01-01.1"]);
    expect(readdirSync(join(root, "models", "2024-01-01.1")).sort()).toEqual(["metadata.json", "model.json", "report"]);
    expect(JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")).production).toBe("2024-01-01.1");
  });

  it("says so when the manifest is corrupt instead of reading it as empty", async () => {
    const root = tempDir();
    writeFileSync(join(root, "manifest.json"), "{ half a manif");
    await expect(new LocalRegistry(root).readManifest()).rejects.toThrow(/manifest.json is not valid JSON/);
  });

  it("refuses a latest comparison that is not one, instead of exporting half of it", async () => {
    const root = tempDir();
    const registry = new LocalRegistry(root);
    await registry.putLatestComparison(testComparison("a", "b"));
    const file = join(root, "latest-comparisons", "a", "b.json");
    const doc = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...doc, metrics: { ...doc.metrics, difference: { auc: doc.metrics.difference.auc } } }));
    await expect(registry.readLatestComparison("a", "b")).rejects.toThrow(
      /b\.json is not a comparison: metrics\.difference\.averagePrecision is missing/,
    );
    writeFileSync(file, "{ half");
    await expect(registry.readLatestComparison("a", "b")).rejects.toThrow(RegistryError);
    expect(readdirSync(join(root, "latest-comparisons", "a"))).toEqual(["b.json"]);
  });

  it("ignores a half-written version (no metadata.json)", async () => {
    const root = tempDir();
    const registry = new LocalRegistry(root);
    await registry.putVersion("a", testVersionFiles("a"));
    rmSync(join(root, "models", "a", "metadata.json"));
    expect(await registry.listVersions()).toEqual([]);
  });
});

describe("S3 registry (in-process fake S3)", () => {
  let s3: FakeS3;
  /** When set, the next manifest PUT first finds this manifest written by "someone else". */
  let interfere: string | undefined;
  beforeAll(async () => {
    s3 = await startFakeS3({
      pageSize: 2, // listVersions must follow continuation tokens
      beforePut: (bucket, key) => {
        if (interfere !== undefined && key.endsWith("manifest.json")) {
          s3.putObject(bucket, key, interfere);
          interfere = undefined;
        }
      },
    });
  });
  afterAll(async () => {
    await s3.close();
  });

  contract("contract", async () => openRegistry("s3://models-bucket/fraud/registry/", { s3Client: s3.client }));

  it("re-applies a promotion when another promoter wrote the manifest after our read", async () => {
    const registry = new S3Registry("s3://cas-bucket/r", s3.client);
    await registry.putVersion("a", testVersionFiles("a"));
    await registry.putVersion("b", testVersionFiles("b"));
    await registry.promote("a", "first");
    const theirs = {
      production: "a",
      history: [
        ...(await registry.readManifest()).history,
        { action: "promote", version: "a", at: new Date().toISOString(), reason: "theirs" },
      ],
    };
    interfere = JSON.stringify(theirs);
    const conflictsBefore = s3.stats.get("PUT 412") ?? 0;
    const m = await registry.promote("b", "ours");
    expect(s3.stats.get("PUT 412")).toBe(conflictsBefore + 1);
    expect(m.history.map((e) => e.reason)).toEqual(["first", "theirs", "ours"]);
    expect(await registry.readManifest()).toEqual(m);
  });

  it("stores the documented layout with content types", () => {
    const keys = [...s3.buckets.get("models-bucket")!.keys()].sort();
    expect(keys).toContain("fraud/registry/manifest.json");
    expect(keys).toContain("fraud/registry/models/v1/model.json");
    expect(keys).toContain("fraud/registry/models/v1/report/index.html");
    expect(s3.buckets.get("models-bucket")!.get("fraud/registry/models/v1/metadata.json")!.contentType).toBe("application/json");
  });

  it("works at the bucket root", async () => {
    const registry = new S3Registry("s3://root-bucket", s3.client);
    await registry.putVersion("v1", testVersionFiles("v1"));
    expect([...s3.buckets.get("root-bucket")!.keys()]).toContain("models/v1/metadata.json");
    expect(await registry.listVersions()).toEqual(["v1"]);
  });

  it("parses registry URIs strictly", () => {
    expect(parseS3Uri("s3://bucket")).toEqual({ bucket: "bucket", prefix: "" });
    expect(parseS3Uri("s3://bucket/a/b/")).toEqual({ bucket: "bucket", prefix: "a/b/" });
    expect(() => parseS3Uri("s3://")).toThrow(/invalid S3 registry URI/);
    expect(() => parseS3Uri("s3://Bad_Bucket/x")).toThrow(/invalid S3 registry URI/);
    expect(() => openRegistry("gs://bucket/x")).toThrow(/unsupported model registry URI/);
  });
});
