/**
 * A minimal HTTP/1.1 keep-alive client for the fixed-rate run of the bench (load.ts): POSTs to one URL over
 * at most `maxConnections` sockets, one request in flight per socket, the rest queued in order.
 * It exists because node:http's client (an Agent, an IncomingMessage stream per answer) cost the
 * load generator clearly more CPU per request, and on a small machine that CPU, and the jitter it
 * brings, are taken from the server being measured; it also tells when a request actually went out.
 * It only understands what the API and the echo server send: a status line, headers with a
 * Content-Length, and that many bytes of body (no chunked encoding, no 1xx).
 */
import { connect, type Socket } from "node:net";

/** The status of the answer, or an Error for a failed or timed-out request. */
export type Outcome = number | Error;

/** `sentAt`: performance.now() when the request was written to a socket (undefined: never was). */
export type Done = (outcome: Outcome, sentAt: number | undefined) => void;

interface Pending {
  head: string;
  body: Buffer;
  done: Done;
  sentAt?: number;
}

const HEADER_END = Buffer.from("\r\n\r\n");

class Connection {
  private readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private current?: Pending;
  private timer?: NodeJS.Timeout;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly timeoutMs: number,
    private readonly onIdle: (c: Connection) => void,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => this.read(chunk));
    const fail = (err: Error) => this.close(err);
    this.socket.on("error", fail);
    this.socket.on("close", () => this.close(new Error("connection closed")));
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  send(p: Pending): void {
    this.current = p;
    p.sentAt = performance.now();
    this.timer = setTimeout(() => this.close(new Error("request timed out")), this.timeoutMs);
    this.socket.write(p.head);
    this.socket.write(p.body);
  }

  private read(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString("latin1");
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.close(new Error("answer without Content-Length"));
    const total = end + HEADER_END.length + Number(length[1]);
    if (this.buf.length < total) return;
    // one request in flight: anything past this answer is not ours
    this.buf = Buffer.alloc(0);
    const status = Number(head.slice(9, 12));
    const p = this.current;
    this.current = undefined;
    clearTimeout(this.timer);
    p?.done(status, p.sentAt);
    this.onIdle(this);
  }

  close(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    const p = this.current;
    this.current = undefined;
    p?.done(err, p.sentAt);
    this.onClose(this);
  }
}

export class HttpPool {
  private readonly host: string;
  private readonly port: number;
  private readonly path: string;
  private readonly connections = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(
    url: string,
    private readonly headers: Record<string, string>,
    private readonly maxConnections: number,
    private readonly timeoutMs: number,
  ) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.path = u.pathname + u.search;
  }

  /** POSTs `body` as soon as a connection is free; `done` gets the status or the error. */
  post(body: string, done: Done): void {
    const bytes = Buffer.from(body);
    const head =
      `POST ${this.path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n` +
      Object.entries(this.headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("") +
      `Content-Length: ${bytes.length}\r\n\r\n`;
    this.queue.push({ head, body: bytes, done });
    this.dispatch();
  }

  /** Closes every connection: requests in flight or still queued fail with "pool closed". */
  close(): void {
    this.closed = true;
    const err = new Error("pool closed");
    for (const p of this.queue.splice(0)) p.done(err, undefined);
    for (const c of [...this.connections]) c.close(err);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let c = this.idle.pop();
      if (c === undefined) {
        if (this.connections.size >= this.maxConnections) return;
        c = new Connection(
          this.host,
          this.port,
          this.timeoutMs,
          (idle) => {
            this.idle.push(idle);
            this.dispatch();
          },
          (closed) => {
            this.connections.delete(closed);
            const i = this.idle.indexOf(closed);
            if (i >= 0) this.idle.splice(i, 1);
            this.dispatch();
          },
        );
        this.connections.add(c);
      }
      c.send(this.queue.shift()!);
    }
  }
}
