/** The API against a request whose body never ends: 408 at the request timeout, and when a connection is closed or kept. */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { START_TIMEOUT_MS, startHarness, TEST_KEY, type Harness } from "./testing/harness";

describe("fraud API with a request that never ends", () => {
  const REQUEST_TIMEOUT_MS = 1500;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  /** Sends `head` and the first chunk of a body that never ends; what the server sends until it closes, and when. */
  const unending = (key: string) =>
    new Promise<{ status: number; closedAfterMs: number; body: string }>((resolve, reject) => {
      const started = Date.now();
      const socket = connect(h.api.port, "127.0.0.1", () =>
        socket.write(
          `POST /v1/score HTTP/1.1\r\nHost: localhost\r\nX-API-Key: ${key}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n`,
        ),
      );
      let text = "";
      socket.on("data", (c: Buffer) => (text += c.toString()));
      socket.on("error", reject);
      socket.on("close", () => {
        const [head, body] = text.split("\r\n\r\n");
        resolve({ status: Number(head.split(" ")[1]), closedAfterMs: Date.now() - started, body });
      });
    });

  it("answers 408 and closes at requestTimeout, with a valid key", async () => {
    const r = await unending(TEST_KEY);
    expect(r.status).toBe(408);
    expect(JSON.parse(r.body).error).toBe("request_timeout");
    // node checks the deadline on a timer of a fifth of it
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(r.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS * 1.2 + 500);
  });

  it("closes the connection after an early 401 instead of reading the rest", async () => {
    const r = await unending("not-a-key-at-all-1234");
    expect(r.status).toBe(401);
    expect(r.closedAfterMs).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
  });

  it("keeps the connection of an error answered after the whole request was read", async () => {
    const second = await new Promise<string>((resolve, reject) => {
      const socket = connect(h.api.port, "127.0.0.1", () => socket.write("GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      let text = "";
      let sent = false;
      socket.on("data", (c: Buffer) => {
        text += c.toString();
        if (!sent && text.includes("no route for GET /nope")) {
          sent = true;
          socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        }
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(text));
    });
    expect(second).toMatch(/^HTTP\/1\.1 404 .*HTTP\/1\.1 200 /s);
  });
});
