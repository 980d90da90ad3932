import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpPool, type Outcome } from "./http-pool";

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server that answers like the API: a JSON body with a Content-Length; the path picks the status. */
async function serve(handle?: (body: string, respond: () => void) => void): Promise<string> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const respond = () => {
        const out = JSON.stringify({ got: body, key: req.headers["x-api-key"] });
        res
          .writeHead(req.url === "/bad" ? 400 : 200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) })
          .end(out);
      };
      if (handle) handle(body, respond);
      else respond();
    });
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function post(pool: HttpPool, body: string): Promise<{ outcome: Outcome; sentAt: number | undefined }> {
  return new Promise((resolve) => pool.post(body, (outcome, sentAt) => resolve({ outcome, sentAt })));
}

describe("HttpPool", () => {
  it("reuses its connections, answers in order with the status, and sends the headers and body", async () => {
    const bodies: string[] = [];
    const url = await serve((body, respond) => {
      bodies.push(body);
      respond();
    });
    const pool = new HttpPool(`${url}/v1/score`, { "x-api-key": "k" }, 2, 1000);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(pool, JSON.stringify({ i }))));
    expect(answers.map((a) => a.outcome)).toEqual(Array(20).fill(200));
    expect(answers.every((a) => typeof a.sentAt === "number")).toBe(true);
    expect(bodies.map((b) => JSON.parse(b).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const connections = await new Promise<number>((r) => server!.getConnections((_, n) => r(n)));
    expect(connections).toBeLessThanOrEqual(2);
    pool.close();
  });

  it("reports a non-2xx status as it is", async () => {
    const pool = new HttpPool(`${await serve()}/bad`, {}, 1, 1000);
    expect((await post(pool, "{}")).outcome).toBe(400);
    pool.close();
  });

  it("queues past maxConnections: a request waits for a free connection, and is sent when one is", async () => {
    const held: (() => void)[] = [];
    const url = await serve((_, respond) => held.push(respond));
    const pool = new HttpPool(url, {}, 1, 5000);
    const first = post(pool, "1");
    const second = post(pool, "2");
    await expect.poll(() => held.length).toBe(1);
    // the second is not sent while the only connection waits for the first answer
    await new Promise((r) => setTimeout(r, 50));
    expect(held.length).toBe(1);
    const releasedAt = performance.now();
    held[0]();
    expect((await first).outcome).toBe(200);
    await expect.poll(() => held.length).toBe(2);
    held[1]();
    const s = await second;
    expect(s.outcome).toBe(200);
    expect(s.sentAt).toBeGreaterThanOrEqual(releasedAt);
    pool.close();
  });

  it("close fails the requests in flight and those still queued", async () => {
    const pool = new HttpPool(await serve(() => undefined), {}, 1, 5000);
    const inFlight = post(pool, "1");
    const queued = post(pool, "2");
    await new Promise((r) => setTimeout(r, 50));
    pool.close();
    expect((await inFlight).outcome).toEqual(new Error("pool closed"));
    expect(await queued).toEqual({ outcome: new Error("pool closed"), sentAt: undefined });
  });

  it("fails a request that has no answer within the timeout, and one that cannot connect", async () => {
    const pool = new HttpPool(await serve(() => undefined), {}, 1, 100);
    const timedOut = await post(pool, "{}");
    expect(timedOut.outcome).toBeInstanceOf(Error);
    expect((timedOut.outcome as Error).message).toMatch(/timed out/);
    pool.close();

    const port = (server!.address() as AddressInfo).port;
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    const refused = new HttpPool(`http://127.0.0.1:${port}/`, {}, 1, 1000);
    expect((await post(refused, "{}")).outcome).toBeInstanceOf(Error);
    refused.close();
  });
});
