/**
 * The registry in S3 (`s3://bucket/prefix`), the same layout as the local one.
 * Immutability and atomicity come from S3 conditional writes, so no lock service is needed:
 * - every object of a version is written with `If-None-Match: *` (a second writer of the same
 *   version gets 412 and VersionExistsError), metadata.json last;
 * - the manifest is read with its ETag and written back with `If-Match: <etag>` (or
 *   `If-None-Match: *` when there is none yet); on 412/409 the change is re-applied to the fresh
 *   manifest, so two concurrent promoters cannot clobber each other.
 * Encryption at rest is the bucket's default (SSE-KMS, set by infra/).
 */
import { traceS3Client } from "../telemetry/traced";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { latestComparisonPath, parseLatestComparison, serializeLatestComparison, type LatestComparison } from "./comparison";
import { assertVersionName, parseMetadata } from "./metadata";
import {
  assertFilePath,
  checkVersionFiles,
  EMPTY_MANIFEST,
  ManifestConflictError,
  parseManifest,
  RegistryError,
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

const MANIFEST_ATTEMPTS = 8;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  json: "application/json",
  html: "text/html; charset=utf-8",
  png: "image/png",
  svg: "image/svg+xml",
  csv: "text/csv",
  txt: "text/plain; charset=utf-8",
};

function contentType(path: string): string {
  return CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream";
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as Error)?.name;
  return name === "NoSuchKey" || name === "NotFound" || status(err) === 404;
}

/** 412: the condition failed; 409: a concurrent conditional write won the race. */
function isConditionFailed(err: unknown): boolean {
  const s = status(err);
  return s === 412 || s === 409 || (err as Error)?.name === "PreconditionFailed";
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (!match) throw new RegistryError(`invalid S3 registry URI ${JSON.stringify(uri)}: expected s3://bucket[/prefix]`);
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: match[1], prefix: prefix === "" ? "" : `${prefix}/` };
}

/**
 * The SDK's Node handler sets no connection, socket or request timeout by default, so a GET that
 * S3 (or the network) never answers would hang the API's manifest poll, and every model swap
 * behind it, for good. An idle socket, not a whole request, is timed: a large model file moves for
 * as long as it keeps moving. Each attempt is bounded; the SDK retries (3 attempts by default).
 */
export const REGISTRY_S3_TIMEOUTS = { connectionTimeout: 3_000, socketTimeout: 5_000 } as const;

/** The registry's S3 client: `config` (region, credentials, endpoint...) with REGISTRY_S3_TIMEOUTS. */
export function registryS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({ requestHandler: REGISTRY_S3_TIMEOUTS, ...config });
}

export class S3Registry implements ModelRegistry {
  readonly bucket: string;
  readonly prefix: string;

  /** `client` defaults to the SDK's default chain (IRSA in EKS, AWS_REGION from the env), with timeouts. */
  constructor(
    readonly uri: string,
    private readonly client: S3Client = traceS3Client(registryS3Client()),
  ) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
  }

  fileLocation(version: string, path: string): string {
    return `s3://${this.bucket}/${this.key(version, path)}`;
  }

  private key(version: string, path: string): string {
    assertVersionName(version);
    return `${this.prefix}models/${version}/${path}`;
  }

  private async getText(key: string): Promise<{ text: string; etag: string | undefined }> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return { text: (await out.Body?.transformToString("utf-8")) ?? "", etag: out.ETag };
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async putVersion(version: string, files: VersionFiles): Promise<void> {
    const ordered = checkVersionFiles(version, files);
    if (await this.exists(this.key(version, "metadata.json"))) throw new VersionExistsError(version, this.uri);
    for (const [path, data] of ordered) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(version, path),
            Body: typeof data === "string" ? Buffer.from(data, "utf8") : data,
            ContentType: contentType(path),
            IfNoneMatch: "*",
          }),
        );
      } catch (err) {
        if (isConditionFailed(err)) throw new VersionExistsError(version, this.uri);
        throw err;
      }
    }
  }

  async putComparison(id: string, files: VersionFiles): Promise<string> {
    assertVersionName(id);
    for (const [path, data] of Object.entries(files)) {
      assertFilePath(path);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `${this.prefix}comparisons/${id}/${path}`,
          Body: typeof data === "string" ? Buffer.from(data, "utf8") : data,
          ContentType: contentType(path),
        }),
      );
    }
    return `s3://${this.bucket}/${this.prefix}comparisons/${id}/`;
  }

  async putLatestComparison(c: LatestComparison): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${this.prefix}${latestComparisonPath(c.champion, c.challenger)}`,
        Body: Buffer.from(serializeLatestComparison(c), "utf8"),
        ContentType: "application/json",
      }),
    );
  }

  async readLatestComparison(champion: string, challenger: string): Promise<LatestComparison | undefined> {
    const key = `${this.prefix}${latestComparisonPath(champion, challenger)}`;
    try {
      return parseLatestComparison((await this.getText(key)).text, `s3://${this.bucket}/${key}`);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async getModel(version: string): Promise<StoredModel> {
    try {
      const [metadata, model] = await Promise.all([
        this.getText(this.key(version, "metadata.json")),
        this.getText(this.key(version, "model.json")),
      ]);
      return { version, modelJson: model.text, metadata: parseMetadata(metadata.text, version) };
    } catch (err) {
      if (isNotFound(err)) throw new VersionNotFoundError(version, this.uri);
      throw err;
    }
  }

  async getFile(version: string, path: string): Promise<Uint8Array> {
    assertFilePath(path);
    if (!(await this.exists(this.key(version, "metadata.json")))) throw new VersionNotFoundError(version, this.uri);
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(version, path) }));
    return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
  }

  private async readManifestWithEtag(): Promise<{ manifest: Manifest; etag: string | undefined }> {
    try {
      const { text, etag } = await this.getText(`${this.prefix}manifest.json`);
      return { manifest: parseManifest(text, this.uri), etag };
    } catch (err) {
      if (isNotFound(err)) return { manifest: EMPTY_MANIFEST, etag: undefined };
      throw err;
    }
  }

  async readManifest(): Promise<Manifest> {
    return (await this.readManifestWithEtag()).manifest;
  }

  async promote(version: string, reason: string): Promise<Manifest> {
    await this.getModel(version);
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
    const base = `${this.prefix}models/`;
    const versions: string[] = [];
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: base, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        const rest = o.Key?.slice(base.length) ?? "";
        const slash = rest.indexOf("/");
        if (slash > 0 && rest.slice(slash + 1) === "metadata.json") versions.push(rest.slice(0, slash));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return versions.sort();
  }

  private async updateManifest(change: (m: Manifest) => Manifest): Promise<Manifest> {
    for (let attempt = 1; attempt <= MANIFEST_ATTEMPTS; attempt++) {
      const { manifest, etag } = await this.readManifestWithEtag();
      const next = change(manifest);
      if (next === manifest) return manifest;
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: `${this.prefix}manifest.json`,
            Body: Buffer.from(serializeManifest(next), "utf8"),
            ContentType: "application/json",
            ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
          }),
        );
        return next;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 50 * attempt));
      }
    }
    throw new ManifestConflictError(`manifest of ${this.uri} kept changing under us (${MANIFEST_ATTEMPTS} attempts)`);
  }
}
