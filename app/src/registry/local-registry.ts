/**
 * The registry in a local directory (`./registry` by default): local runs, tests, CI.
 * A version is staged in a hidden directory and renamed into place in one step; the manifest is
 * written to a temp file, fsynced and renamed over the old one, under a lock file so that two
 * promoters on one machine cannot lose each other's update.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { latestComparisonPath, parseLatestComparison, serializeLatestComparison, type LatestComparison } from "./comparison";
import { assertVersionName, parseMetadata } from "./metadata";
import {
  assertFilePath,
  checkVersionFiles,
  EMPTY_MANIFEST,
  ManifestConflictError,
  parseManifest,
  serializeManifest,
  VersionExistsError,
  VersionNotFoundError,
  withPromotion,
  withRollback,
  withChallenger,
  type Challenger,
  type Manifest,
  type ModelRegistry,
  type StoredModel,
  type VersionFiles,
} from "./registry";

const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

function isCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === "object" && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? "");
}

async function writeDurable(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class LocalRegistry implements ModelRegistry {
  readonly root: string;

  constructor(readonly uri: string) {
    this.root = resolve(uri);
  }

  private versionDir(version: string): string {
    assertVersionName(version);
    return join(this.root, "models", version);
  }

  async putVersion(version: string, files: VersionFiles): Promise<void> {
    const ordered = checkVersionFiles(version, files);
    const target = this.versionDir(version);
    if (await exists(join(target, "metadata.json"))) throw new VersionExistsError(version, this.uri);
    const models = join(this.root, "models");
    await mkdir(models, { recursive: true });
    const staging = join(models, `.staging-${version}-${randomBytes(6).toString("hex")}`);
    try {
      for (const [path, data] of ordered) {
        const file = join(staging, path);
        await mkdir(dirname(file), { recursive: true });
        await writeDurable(file, data);
      }
      await fsyncDir(staging);
      try {
        await rename(staging, target);
      } catch (err) {
        if (isCode(err, "ENOTEMPTY", "EEXIST", "ENOTDIR")) throw new VersionExistsError(version, this.uri);
        throw err;
      }
      await fsyncDir(models);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async putComparison(id: string, files: VersionFiles): Promise<string> {
    assertVersionName(id);
    const dir = join(this.root, "comparisons", id);
    for (const [path, data] of Object.entries(files)) {
      assertFilePath(path);
      const file = join(dir, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, data);
    }
    return dir;
  }

  async putLatestComparison(c: LatestComparison): Promise<void> {
    const path = join(this.root, latestComparisonPath(c.champion, c.challenger));
    await mkdir(dirname(path), { recursive: true });
    // replaced in one step: the API reads it on every poll
    const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeDurable(tmp, serializeLatestComparison(c));
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async readLatestComparison(champion: string, challenger: string): Promise<LatestComparison | undefined> {
    const path = join(this.root, latestComparisonPath(champion, challenger));
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if (isCode(err, "ENOENT")) return undefined;
      throw err;
    }
    return parseLatestComparison(text, path);
  }

  async getModel(version: string): Promise<StoredModel> {
    const dir = this.versionDir(version);
    try {
      const [metadataJson, modelJson] = await Promise.all([
        readFile(join(dir, "metadata.json"), "utf8"),
        readFile(join(dir, "model.json"), "utf8"),
      ]);
      return { version, modelJson, metadata: parseMetadata(metadataJson, version) };
    } catch (err) {
      if (isCode(err, "ENOENT")) throw new VersionNotFoundError(version, this.uri);
      throw err;
    }
  }

  fileLocation(version: string, path: string): string {
    assertFilePath(path);
    return join(this.versionDir(version), path);
  }

  async getFile(version: string, path: string): Promise<Uint8Array> {
    assertFilePath(path);
    const dir = this.versionDir(version);
    if (!(await exists(join(dir, "metadata.json")))) throw new VersionNotFoundError(version, this.uri);
    return new Uint8Array(await readFile(join(dir, path)));
  }

  async readManifest(): Promise<Manifest> {
    try {
      return parseManifest(await readFile(join(this.root, "manifest.json"), "utf8"), this.uri);
    } catch (err) {
      if (isCode(err, "ENOENT")) return EMPTY_MANIFEST;
      throw err;
    }
  }

  async promote(version: string, reason: string): Promise<Manifest> {
    await this.getModel(version); // exists and is readable
    return this.updateManifest((m) => withPromotion(m, version, reason));
  }

  async rollback(reason = "rollback"): Promise<Manifest> {
    return this.updateManifest((m) => withRollback(m, reason, this.uri));
  }

  async setChallenger(c: Challenger | null, reason: string): Promise<Manifest> {
    if (c) await this.getModel(c.version);
    return this.updateManifest((m) => withChallenger(m, c, reason));
  }

  async listVersions(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(join(this.root, "models"));
    } catch (err) {
      if (isCode(err, "ENOENT")) return [];
      throw err;
    }
    const complete = await Promise.all(
      names.filter((n) => !n.startsWith(".")).map(async (n) => ((await exists(join(this.root, "models", n, "metadata.json"))) ? n : null)),
    );
    return complete.filter((n): n is string => n !== null).sort();
  }

  private async updateManifest(change: (m: Manifest) => Manifest): Promise<Manifest> {
    await mkdir(this.root, { recursive: true });
    const release = await this.lock();
    try {
      const current = await this.readManifest();
      const next = change(current);
      if (next === current) return current;
      const path = join(this.root, "manifest.json");
      const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
      try {
        await writeDurable(tmp, serializeManifest(next));
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      await fsyncDir(this.root);
      return next;
    } finally {
      await release();
    }
  }

  /** An O_EXCL lock file; one left by a crashed process is taken over after LOCK_STALE_MS. */
  private async lock(): Promise<() => Promise<void>> {
    const path = join(this.root, "manifest.lock");
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        const fh = await open(path, "wx");
        await fh.writeFile(`${process.pid}\n`);
        await fh.close();
        return () => unlink(path).catch(() => undefined);
      } catch (err) {
        if (!isCode(err, "EEXIST")) throw err;
      }
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new ManifestConflictError(`manifest of ${this.uri} is locked by another writer (${path})`);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err) => {
      if (isCode(err, "ENOENT", "ENOTDIR")) return false;
      throw err;
    },
  );
}
