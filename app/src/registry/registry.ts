/**
 * The model registry: immutable model versions plus a manifest naming the production version.
 *
 * Layout (same on disk and in S3, under the registry root):
 *   models/<version>/model.json       XGBoost JSON model
 *   models/<version>/metadata.json    ModelMetadata
 *   models/<version>/report/...       evaluation report (HTML, SVG)
 *   manifest.json                     { production, challenger?, history[] }
 *   comparisons/<id>/...              champion-vs-challenger reports (npm run compare)
 *   latest-comparisons/<champion>/<challenger>.json   the pair's latest comparison (comparison.ts)
 *
 * A version becomes visible (listVersions, getModel) only once its metadata.json exists, and
 * metadata.json is written last, so a reader never sees half a version.
 */
import { XGBoostModel } from "../model/xgboost-model";
import type { LatestComparison } from "./comparison";
import { assertVersionName, parseMetadata, type ModelMetadata } from "./metadata";

export type ManifestAction = "promote" | "rollback" | "challenger" | "clear-challenger";

export type ChallengerMode = "shadow" | "ab";

/**
 * A version scored beside production. `shadow`: on every transaction, recorded, never answered.
 * `ab`: answers for `share` of the cards (by a hash of cardId), and is recorded on the others.
 */
export interface Challenger {
  readonly version: string;
  readonly mode: ChallengerMode;
  /** Share of cards the challenger answers for in `ab` mode, in (0, 1); 0 in shadow mode. */
  readonly share: number;
}

export interface ManifestEntry {
  readonly action: ManifestAction;
  /** The production version after this entry; for challenger entries, the challenger's version. */
  readonly version: string;
  readonly at: string;
  readonly reason: string;
  /** Challenger entries: its mode and share. */
  readonly mode?: ChallengerMode;
  readonly share?: number;
}

export interface Manifest {
  /** null until the first promotion. */
  readonly production: string | null;
  /** Absent when no challenger is set (manifests written before challengers have none). */
  readonly challenger?: Challenger;
  /** Oldest first. */
  readonly history: readonly ManifestEntry[];
}

export const EMPTY_MANIFEST: Manifest = Object.freeze({ production: null, history: Object.freeze([]) });

/** Files of one version, by path relative to models/<version>/ (e.g. "report/index.html"). */
export type VersionFiles = Readonly<Record<string, string | Uint8Array>>;

export interface StoredModel {
  readonly version: string;
  /** model.json text. */
  readonly modelJson: string;
  readonly metadata: ModelMetadata;
}

export interface ModelRegistry {
  /** Human-readable location, e.g. "./registry" or "s3://bucket/prefix". */
  readonly uri: string;
  /**
   * Stores a new version. `files` must hold model.json and metadata.json (checked: metadata valid,
   * its version equal to `version`, the model loadable with its feature names) and may hold
   * report files. Fails with VersionExistsError if the version exists: versions are immutable.
   */
  putVersion(version: string, files: VersionFiles): Promise<void>;
  /** Throws VersionNotFoundError. */
  getModel(version: string): Promise<StoredModel>;
  /** Where a file of a version lives, for people to open: a local path or an s3:// URL. */
  fileLocation(version: string, path: string): string;
  /** A file of a version (report pages), or VersionNotFoundError. */
  getFile(version: string, path: string): Promise<Uint8Array>;
  /** EMPTY_MANIFEST when none was written yet. */
  readManifest(): Promise<Manifest>;
  /** Makes `version` production. The version must exist. Returns the new manifest. */
  promote(version: string, reason: string): Promise<Manifest>;
  /** Back to the production version before the current one. Throws RegistryError if there is none. */
  rollback(reason?: string): Promise<Manifest>;
  /** Sets (the version must exist) or, with null, clears the challenger. Returns the new manifest. */
  setChallenger(challenger: Challenger | null, reason: string): Promise<Manifest>;
  /** Stores a comparison report under comparisons/<id>/ (overwriting); returns where it is. */
  putComparison(id: string, files: VersionFiles): Promise<string>;
  /** Replaces the pair's latest comparison (the last written wins). */
  putLatestComparison(comparison: LatestComparison): Promise<void>;
  /**
   * The pair's latest comparison; undefined when none was written. Throws RegistryError when the
   * file is not one, MetadataError when a version name is invalid (before any read).
   */
  readLatestComparison(champion: string, challenger: string): Promise<LatestComparison | undefined>;
  /** Complete versions, sorted by name. */
  listVersions(): Promise<string[]>;
}

export class RegistryError extends Error {
  override readonly name: string = "RegistryError";
}

export class VersionExistsError extends RegistryError {
  override readonly name = "VersionExistsError";
  constructor(
    readonly version: string,
    where: string,
  ) {
    super(`model version ${version} already exists in ${where}: versions are immutable, choose a new one`);
  }
}

export class VersionNotFoundError extends RegistryError {
  override readonly name = "VersionNotFoundError";
  constructor(
    readonly version: string,
    where: string,
  ) {
    super(`model version ${version} not found in ${where}`);
  }
}

/** Another writer changed the manifest between our read and our write, more times than we retry. */
export class ManifestConflictError extends RegistryError {
  override readonly name = "ManifestConflictError";
}

export const REQUIRED_FILES = ["model.json", "metadata.json"] as const;

/** Relative file paths inside a version: no absolute paths, no "..", no empty segments. */
export function assertFilePath(path: string): void {
  const segments = path.split("/");
  if (path.length === 0 || path.length > 512 || segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\\"))) {
    throw new RegistryError(`invalid file path ${JSON.stringify(path)} in a model version`);
  }
}

function text(v: string | Uint8Array): string {
  return typeof v === "string" ? v : Buffer.from(v).toString("utf8");
}

/**
 * The checks every implementation runs before writing a version. Returns the files in write
 * order: metadata.json last, so its presence marks a complete version.
 */
export function checkVersionFiles(version: string, files: VersionFiles): [string, string | Uint8Array][] {
  assertVersionName(version);
  for (const f of REQUIRED_FILES) if (!(f in files)) throw new RegistryError(`model version ${version} is missing ${f}`);
  const paths = Object.keys(files);
  paths.forEach(assertFilePath);
  const metadata = parseMetadata(text(files["metadata.json"]), version);
  XGBoostModel.fromJson(text(files["model.json"]), metadata.featureNames);
  return [
    ...paths.filter((p) => p !== "metadata.json").map((p): [string, string | Uint8Array] => [p, files[p]]),
    ["metadata.json", files["metadata.json"]],
  ];
}

/** Parses manifest.json, failing loudly: a corrupt manifest must not read as "no production". */
export function parseManifest(json: string, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new RegistryError(`${where}/manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const m = doc as Partial<Manifest>;
  if (
    typeof m !== "object" ||
    m === null ||
    !(m.production === null || typeof m.production === "string") ||
    !Array.isArray(m.history) ||
    m.history.some((e) => typeof e?.version !== "string" || !ACTIONS.includes(e.action)) ||
    !(m.challenger === undefined || validChallenger(m.challenger))
  ) {
    throw new RegistryError(`${where}/manifest.json does not look like a registry manifest`);
  }
  return { production: m.production, ...(m.challenger ? { challenger: m.challenger } : {}), history: m.history };
}

const ACTIONS: readonly ManifestAction[] = ["promote", "rollback", "challenger", "clear-challenger"];

function validChallenger(c: unknown): c is Challenger {
  const x = c as Partial<Challenger> | null;
  return (
    typeof x === "object" &&
    x !== null &&
    typeof x.version === "string" &&
    ((x.mode === "shadow" && x.share === 0) || (x.mode === "ab" && typeof x.share === "number" && x.share > 0 && x.share < 1))
  );
}

/** Checks a challenger given on the command line; returns it normalised (shadow has share 0). */
export function challenger(version: string, mode: string, share: number | undefined): Challenger {
  assertVersionName(version);
  if (mode === "shadow") {
    if (share !== undefined) throw new RegistryError("--share applies to --mode ab only (shadow scores every transaction)");
    return { version, mode, share: 0 };
  }
  if (mode !== "ab") throw new RegistryError(`challenger mode must be shadow or ab, got ${JSON.stringify(mode)}`);
  if (share === undefined || !(share > 0 && share < 1)) throw new RegistryError(`--share must be in (0, 1) for --mode ab, got ${share}`);
  return { version, mode, share };
}

/**
 * `m` with `c` as challenger (null: none). The production version cannot be its own challenger.
 * Setting what is already set returns `m` itself (no history entry).
 */
export function withChallenger(m: Manifest, c: Challenger | null, reason: string, now = new Date()): Manifest {
  const { challenger: current, ...rest } = m;
  if (c === null) {
    if (!current) return m;
    return { ...rest, history: [...m.history, { action: "clear-challenger", version: current.version, at: now.toISOString(), reason }] };
  }
  if (c.version === m.production) throw new RegistryError(`${c.version} is production: it cannot be its own challenger`);
  if (current && current.version === c.version && current.mode === c.mode && current.share === c.share) return m;
  const entry: ManifestEntry = { action: "challenger", version: c.version, at: now.toISOString(), reason, mode: c.mode, share: c.share };
  return { ...rest, challenger: c, history: [...m.history, entry] };
}

export function serializeManifest(m: Manifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

/**
 * The stack of production versions the history implies: a promotion pushes, a rollback pops.
 * So rolling back twice goes two promotions back instead of flipping between two versions.
 */
export function productionStack(history: readonly ManifestEntry[]): string[] {
  const stack: string[] = [];
  for (const e of history) {
    if (e.action === "promote") stack.push(e.version);
    else if (e.action === "rollback") stack.pop();
  }
  return stack;
}

/**
 * When the manifest's current (production, challenger) pair began: the entry after which both
 * versions were what they are now (a change of the challenger's mode or share keeps the pair).
 * Undefined when no challenger is set.
 */
export function pairSince(m: Manifest): string | undefined {
  if (!m.challenger) return undefined;
  let production: string | null = null;
  let challenger: string | undefined;
  let since: string | undefined;
  for (const e of m.history) {
    const before = `${production}\u0000${challenger}`;
    if (e.action === "promote" || e.action === "rollback") production = e.version;
    else if (e.action === "challenger") challenger = e.version;
    else challenger = undefined;
    if (`${production}\u0000${challenger}` !== before) since = e.at;
  }
  return production === m.production && challenger === m.challenger.version ? since : undefined;
}

/**
 * Promoting the version that is already production returns `m` itself: a history entry for it
 * would be popped by the next rollback, which would then seem to do nothing.
 */
export function withPromotion(m: Manifest, version: string, reason: string, now = new Date()): Manifest {
  if (m.production === version) return m;
  const promoted: Manifest = {
    ...m,
    production: version,
    history: [...m.history, { action: "promote", version, at: now.toISOString(), reason }],
  };
  // the challenger won: it is the champion now, and nothing is left to compare it with
  return m.challenger?.version === version ? withChallenger(promoted, null, `promoted: ${reason}`, now) : promoted;
}

export function withRollback(m: Manifest, reason: string, where: string, now = new Date()): Manifest {
  const stack = productionStack(m.history);
  if (stack.length < 2) {
    throw new RegistryError(`no earlier production version to roll back to in ${where} (production: ${m.production ?? "none"})`);
  }
  const previous = stack[stack.length - 2];
  const rolledBack = {
    ...m,
    production: previous,
    history: [...m.history, { action: "rollback" as const, version: previous, at: now.toISOString(), reason }],
  };
  // production cannot be its own challenger
  return m.challenger?.version === previous ? withChallenger(rolledBack, null, `rolled back to it: ${reason}`, now) : rolledBack;
}
