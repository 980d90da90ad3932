/**
 * An in-process S3 endpoint with just what the registry uses: GetObject, HeadObject, PutObject
 * with If-None-Match / If-Match, ListObjectsV2 with pagination. Path-style addressing.
 * Enough to exercise the S3 registry's logic (conditional writes, races) without AWS.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly contentType: string;
}

export interface FakeS3 {
  /** An SDK client pointed at this server. */
  readonly client: S3Client;
  /** bucket -> key -> object, for assertions. */
  readonly buckets: Map<string, Map<string, StoredObject>>;
  /** Counts of answered requests by kind, e.g. "PUT 412". */
  readonly stats: Map<string, number>;
  /** Writes an object directly, as another client would (new ETag). */
  putObject(bucket: string, key: string, body: string): void;
  close(): Promise<void>;
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { "content-type": "application/xml" });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface FakeS3Options {
  /** ListObjectsV2's default max-keys; small values exercise paging. Default 1000. */
  readonly pageSize?: number;
  /**
   * Called when a PUT arrives, before its conditions are checked: lets a test play "another writer
   * got there first" deterministically (see `putObject`).
   */
  readonly beforePut?: (bucket: string, key: string) => void;
}

/** Starts the server on a free port. */
export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  const pageSize = options.pageSize ?? 1000;
  const buckets = new Map<string, Map<string, StoredObject>>();
  const stats = new Map<string, number>();
  const bucket = (name: string) => {
    let b = buckets.get(name);
    if (!b) buckets.set(name, (b = new Map()));
    return b;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, bucketName, ...rest] = url.pathname.split("/");
    const key = decodeURIComponent(rest.join("/"));
    const objects = bucket(bucketName);
    const method = req.method ?? "GET";

    if (method === "GET" && key === "" && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Number(url.searchParams.get("max-keys") ?? pageSize);
      const after = url.searchParams.get("continuation-token") ?? "";
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      res.writeHead(200, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucketName}</Name><Prefix>${xmlEscape(prefix)}</Prefix>` +
          `<KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
          (truncated ? `<NextContinuationToken>${xmlEscape(page[page.length - 1])}</NextContinuationToken>` : "") +
          page
            .map(
              (k) =>
                `<Contents><Key>${xmlEscape(k)}</Key><ETag>${xmlEscape(objects.get(k)!.etag)}</ETag><Size>${objects.get(k)!.body.length}</Size></Contents>`,
            )
            .join("") +
          `</ListBucketResult>`,
      );
      return "LIST 200";
    }
    if (method === "GET" || method === "HEAD") {
      const existing = objects.get(key);
      if (!existing) {
        if (method === "HEAD") {
          res.writeHead(404).end();
        } else {
          sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
        }
        return `${method} 404`;
      }
      res.writeHead(200, { etag: existing.etag, "content-type": existing.contentType, "content-length": existing.body.length });
      res.end(method === "GET" ? existing.body : undefined);
      return `${method} 200`;
    }
    if (method === "PUT") {
      const body = await readBody(req);
      options.beforePut?.(bucketName, key);
      const existing = objects.get(key);
      const ifNoneMatch = req.headers["if-none-match"];
      const ifMatch = req.headers["if-match"];
      if (ifNoneMatch === "*" && existing) {
        sendError(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
        return "PUT 412";
      }
      if (ifMatch !== undefined) {
        if (!existing) {
          sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
          return "PUT 404";
        }
        if (existing.etag !== ifMatch) {
          sendError(res, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
          return "PUT 412";
        }
      }
      const etag = `"${createHash("md5").update(body).digest("hex")}"`;
      objects.set(key, { body, etag, contentType: String(req.headers["content-type"] ?? "application/octet-stream") });
      res.writeHead(200, { etag }).end();
      return "PUT 200";
    }
    sendError(res, 501, "NotImplemented", `${method} is not implemented by the fake`);
    return `${method} 501`;
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).then(
      (kind) => stats.set(kind, (stats.get(kind) ?? 0) + 1),
      (err) => sendError(res, 500, "InternalError", String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    // plain bodies: no aws-chunked trailers for the fake to decode
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  return {
    client,
    buckets,
    stats,
    putObject: (b, key, body) => {
      const buf = Buffer.from(body, "utf8");
      bucket(b).set(key, { body: buf, etag: `"${createHash("md5").update(buf).digest("hex")}"`, contentType: "application/json" });
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
