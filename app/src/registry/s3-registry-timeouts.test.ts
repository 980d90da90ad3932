/** The S3 registry against an S3 that accepts connections and never answers: its timeouts give up. */
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { registryS3Client, REGISTRY_S3_TIMEOUTS, S3Registry } from "./s3-registry";

describe("S3 registry against an S3 that never answers", () => {
  it("gives up on a hung GET after the idle timeout instead of holding the manifest poll for good", async () => {
    const sockets = new Set<Socket>();
    let requests = 0;
    // accepts the request and never answers
    const server = createServer(() => void requests++);
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = registryS3Client({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
    try {
      const registry = new S3Registry("s3://models-bucket/fraud/registry/", client);
      await expect(registry.readLatestComparison("v1", "v2")).rejects.toThrow(
        `timed out after ${REGISTRY_S3_TIMEOUTS.socketTimeout} ms of inactivity`,
      );
      expect(requests).toBe(1);
    } finally {
      client.destroy();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 20_000);
});
