/**
 * The API's error answers: JSON {"error": code, "message": text, "problems"?: [{path, message}]},
 * for its own refusals, for validation, for what Fastify refuses (a body over the limit) and for
 * requests node:http itself cannot parse (clientError).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const JSON_TYPE = "application/json; charset=utf-8";

export function errorBody(code: string, message: string, problems?: unknown): string {
  return JSON.stringify(problems ? { error: code, message, problems } : { error: code, message });
}

/**
 * The value of header `lowerName`, from the raw header list: reading `req.headers` builds an object
 * of every header on first access (1.5% of the API's CPU under load). A header sent more than
 * once is refused here (null) rather than merged or picked.
 */
export function header(req: IncomingMessage, lowerName: string): string | undefined | null {
  const raw = req.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) {
      if (found !== undefined) return null;
      found = raw[i + 1];
    }
  }
  return found;
}

/**
 * Refuses a body this API cannot read, before it is read: not JSON, a charset other than UTF-8
 * (JSON is UTF-8, RFC 8259, and the body is decoded as such: one declared in another charset would
 * be scored from misread text), or declared larger than `limit`.
 */
export function checkBodyHeaders(req: IncomingMessage, limit: number): void {
  const type = header(req, "content-type");
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
    const got = JSON.stringify(charset.slice(0, 40));
    throw new HttpError(415, "unsupported_media_type", `Content-Type charset must be utf-8, got ${got}`);
  }
  const declared = Number(header(req, "content-length"));
  if (declared > limit) {
    // close rather than read (and discard) a body this large to keep the connection
    throw new HttpError(413, "payload_too_large", `body is ${declared} bytes; the limit is ${limit}`, { Connection: "close" });
  }
}

/**
 * Answered before its body was read (401, 413, 415, 429...): node would read the rest to keep the
 * connection, however long the client takes to send it. Closed once the answer is out.
 */
export function unreadBody(req: IncomingMessage): boolean {
  return !req.complete && (header(req, "transfer-encoding") !== undefined || Number(header(req, "content-length")) > 0);
}

/** What node:http answers to a request it cannot parse, by its error code; 400 for the rest. */
const CLIENT_ERRORS: Record<string, readonly [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "headers_too_large", "request headers are too large"],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, "Payload Too Large", "payload_too_large", "chunk extensions are too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request_timeout", "the request was not received in time"],
};

/**
 * node:http's 'clientError' listener: a request it could not parse (CR or LF in a header value,
 * both Content-Length and Transfer-Encoding...), which node answers with an empty, non-JSON 400.
 * The same statuses, in the API's error format. As node does, nothing is written once a response
 * on this connection has started (it would corrupt it), and the connection is closed.
 */
export function clientError(err: Error & { code?: string }, socket: Duplex): void {
  const responding = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
  if (err.code === "ECONNRESET" || !socket.writable || responding?.headersSent) {
    socket.destroy();
    return;
  }
  const known = CLIENT_ERRORS[err.code ?? ""];
  const [status, reason, code, message] = known ?? [
    400,
    "Bad Request",
    "bad_request",
    `malformed HTTP request: ${err.message.slice(0, 200)}`,
  ];
  const body = errorBody(code, message);
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
