/**
 * The console's logins, separate from API keys: analysts are people, not API clients. Each user
 * has a role: `analyst` reads and labels, `viewer` reads. Users come from CONSOLE_USERS (JSON)
 * locally or from a Secrets Manager secret (CONSOLE_USERS_SECRET_ARN) in AWS, in the same format:
 *   {"users": [{"name": "ana", "role": "analyst", "passwordHash": "scrypt$..."} | {..., "password": "..."}],
 *    "sessionKey": "..."}
 * Passwords are held as scrypt hashes only; a plain `password` in the source is hashed on load.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from "node:crypto";

export const ROLES = ["analyst", "viewer"] as const;
export type ConsoleRole = (typeof ROLES)[number];

export interface ConsoleUser {
  readonly name: string;
  readonly role: ConsoleRole;
  readonly passwordHash: string;
}

const scrypt = (pw: BinaryLike, salt: BinaryLike, len: number, opts: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(pw, salt, len, opts, (err, key) => (err ? reject(err) : resolve(key))));

/** scrypt's default cost (N=2^14, r=8): about 50 ms per login, nothing per request (sessions are signed cookies). */
const COST = 16384;

export async function hashPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await scrypt(password.normalize("NFKC"), salt, 32, { N: COST, r: 8, p: 1 });
  return `scrypt$${COST}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const [kind, n, salt, key] = hash.split("$");
  if (kind !== "scrypt" || !salt || !key) return false;
  const want = Buffer.from(key, "base64");
  const got = await scrypt(password.normalize("NFKC"), Buffer.from(salt, "base64"), want.length, { N: Number(n), r: 8, p: 1 });
  return timingSafeEqual(want, got);
}

export interface UsersSource {
  readonly users: ConsoleUser[];
  /** Signs session cookies; every replica must hold the same one. Absent: generated per process. */
  readonly sessionKey?: string;
}

/** Reads the JSON of CONSOLE_USERS or of the secret, hashing plain passwords. */
export async function parseUsers(text: string): Promise<UsersSource> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('console users must be JSON: {"users": [{"name", "role", "password" | "passwordHash"}], "sessionKey"?}');
  }
  const o = (Array.isArray(parsed) ? { users: parsed } : parsed) as { users?: unknown; sessionKey?: unknown };
  if (!o || !Array.isArray(o.users)) throw new Error('console users: "users" must be an array');
  const users: ConsoleUser[] = [];
  for (const [i, u] of (o.users as Record<string, unknown>[]).entries()) {
    const where = `console users[${i}]`;
    if (typeof u?.name !== "string" || !/^[\w.@+-]{1,64}$/.test(u.name))
      throw new Error(`${where}: name must be 1-64 of letters, digits, _.@+-`);
    if (!(ROLES as readonly unknown[]).includes(u.role)) throw new Error(`${where}: role must be one of ${ROLES.join(", ")}`);
    let passwordHash: string;
    if (typeof u.passwordHash === "string" && u.passwordHash.startsWith("scrypt$")) passwordHash = u.passwordHash;
    else if (typeof u.password === "string" && u.password.length >= 12) passwordHash = await hashPassword(u.password);
    else throw new Error(`${where}: needs a passwordHash (scrypt$...) or a password of at least 12 characters`);
    users.push({ name: u.name, role: u.role as ConsoleRole, passwordHash });
  }
  if (o.sessionKey !== undefined && (typeof o.sessionKey !== "string" || o.sessionKey.length < 32))
    throw new Error("console users: sessionKey must be a string of at least 32 characters");
  return { users, ...(typeof o.sessionKey === "string" ? { sessionKey: o.sessionKey } : {}) };
}

/** A hash no password matches, checked for unknown names so they take as long as known ones. */
const DUMMY_HASH = `scrypt$${COST}$${Buffer.alloc(16).toString("base64")}$${Buffer.alloc(32).toString("base64")}`;

export class ConsoleUsers {
  private byName = new Map<string, ConsoleUser>();

  constructor(users: readonly ConsoleUser[] = []) {
    this.replace(users);
  }

  get size(): number {
    return this.byName.size;
  }

  replace(users: readonly ConsoleUser[]): void {
    this.byName = new Map(users.map((u) => [u.name, u]));
  }

  /** The user when `password` is theirs, else undefined. */
  async check(name: string, password: string): Promise<ConsoleUser | undefined> {
    const user = this.byName.get(name);
    const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    return ok && user ? user : undefined;
  }

  /** A user still present with this role (a session outlives neither a removal nor a role change). */
  current(name: string): ConsoleUser | undefined {
    return this.byName.get(name);
  }
}
