/**
 * Console sessions as signed cookies (HMAC-SHA256): no session table, and every replica holding
 * the same key accepts them. The cookie is HttpOnly (no script reads it), Secure, SameSite=Strict
 * (not sent on cross-site requests) and scoped to /console. Each session carries a random nonce
 * from which its CSRF token is derived (HMAC): the page fetches the token and sends it in
 * X-CSRF-Token on every state-changing request, which a cross-site form cannot do.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ConsoleRole } from "./users";

export const SESSION_COOKIE = "fraud_console";
export const SESSION_TTL_MS = 8 * 3_600_000;

export interface Session {
  readonly user: string;
  readonly role: ConsoleRole;
  /** Epoch ms. */
  readonly expires: number;
  readonly nonce: string;
}

function mac(key: Buffer, purpose: string, text: string): Buffer {
  return createHmac("sha256", key).update(`${purpose}\n${text}`).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionSigner {
  private readonly key: Buffer;

  constructor(key: string | Buffer = randomBytes(32)) {
    this.key = typeof key === "string" ? Buffer.from(key, "utf8") : key;
  }

  issue(user: string, role: ConsoleRole, now = Date.now(), ttlMs = SESSION_TTL_MS): { session: Session; cookie: string } {
    const session: Session = { user, role, expires: now + ttlMs, nonce: randomBytes(16).toString("base64url") };
    const payload = Buffer.from(JSON.stringify(session)).toString("base64url");
    return { session, cookie: `${payload}.${mac(this.key, "session", payload).toString("base64url")}` };
  }

  /** The session in a cookie value, if it is signed with this key and not expired. */
  verify(value: string | undefined, now = Date.now()): Session | undefined {
    if (!value) return undefined;
    const dot = value.indexOf(".");
    if (dot < 0) return undefined;
    const payload = value.slice(0, dot);
    if (!sameBytes(Buffer.from(value.slice(dot + 1), "base64url"), mac(this.key, "session", payload))) return undefined;
    try {
      const s = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Session;
      return typeof s.expires === "number" && s.expires > now ? s : undefined;
    } catch {
      return undefined;
    }
  }

  csrfToken(s: Session): string {
    return mac(this.key, "csrf", s.nonce).toString("base64url");
  }

  checkCsrf(s: Session, token: string | undefined): boolean {
    return token !== undefined && sameBytes(Buffer.from(token, "base64url"), mac(this.key, "csrf", s.nonce));
  }
}

/** The Set-Cookie value for a session cookie (`value` empty: clears it). */
export function sessionCookie(value: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`;
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
