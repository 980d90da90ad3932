import type { S3Client } from "@aws-sdk/client-s3";
import { LocalRegistry } from "./local-registry";
import type { ModelRegistry } from "./registry";
import { S3Registry } from "./s3-registry";

export interface OpenRegistryOptions {
  /** For `s3://` URIs: a configured client (tests, custom endpoints). Default: the SDK's default chain. */
  readonly s3Client?: S3Client;
}

/** `s3://bucket/prefix` opens the S3 registry; anything else is a local directory path. */
export function openRegistry(uri: string, options: OpenRegistryOptions = {}): ModelRegistry {
  if (uri.startsWith("s3://")) return new S3Registry(uri, options.s3Client);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri))
    throw new Error(`unsupported model registry URI ${JSON.stringify(uri)}: use s3://bucket/prefix or a directory path`);
  return new LocalRegistry(uri);
}
