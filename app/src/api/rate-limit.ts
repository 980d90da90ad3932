/**
 * Per-key rate limit: at most `limit` requests per key per clock minute (fixed window).
 *
 * With Redis the count is shared by every replica. To keep Redis off the per-request path, a
 * replica takes tokens in leases (INCRBY of up to 1% of the limit, one Lua call), and spends them
 * locally; so the cluster never admits more than the limit, and a replica may refuse while another
 * still holds up to one unused lease. When Redis fails the in-process limiter takes over until it
 * answers again (the limit then holds per replica).
 */
import type Redis from "ioredis";

const WINDOW_MS = 60_000;

/** 0: allowed; otherwise the seconds to wait (Retry-After). */
export type RateDecision = number;

export interface RateLimiter {
  take(keyId: string): RateDecision | Promise<RateDecision>;
}

function retryAfter(now: number): number {
  return Math.max(1, Math.ceil(((Math.floor(now / WINDOW_MS) + 1) * WINDOW_MS - now) / 1000));
}

export class LocalRateLimiter implements RateLimiter {
  private window = -1;
  private counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(keyId: string): RateDecision {
    const now = this.now();
    const w = Math.floor(now / WINDOW_MS);
    if (w !== this.window) {
      this.window = w;
      this.counts = new Map();
    }
    const n = (this.counts.get(keyId) ?? 0) + 1;
    this.counts.set(keyId, n);
    return n <= this.limit ? 0 : retryAfter(now);
  }
}

const LEASE_LUA = `
local want = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local used = redis.call('INCRBY', KEYS[1], want)
if used == want then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
local over = used - limit
if over <= 0 then return want end
if over >= want then return 0 end
return want - over
`;

interface Lease {
  window: number;
  remaining: number;
  /** Redis said the window is spent: refuse until the next one. */
  exhausted: boolean;
  pending: Promise<void> | undefined;
}

interface LeaseCommands {
  fraudRateLease(key: string, want: number, limit: number, ttlMs: number): Promise<number>;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly leaseSize: number;
  private readonly commands: LeaseCommands;
  private fallbackUntil = 0;

  constructor(
    redis: Redis,
    private readonly limit: number,
    private readonly keyPrefix: string,
    private readonly fallback: LocalRateLimiter,
    private readonly onError: (err: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.leaseSize = Math.max(1, Math.min(1000, Math.floor(limit / 100)));
    if (!("fraudRateLease" in redis)) redis.defineCommand("fraudRateLease", { numberOfKeys: 1, lua: LEASE_LUA });
    this.commands = redis as unknown as LeaseCommands;
  }

  take(keyId: string): RateDecision | Promise<RateDecision> {
    const now = this.now();
    if (now < this.fallbackUntil) return this.fallback.take(keyId);
    const w = Math.floor(now / WINDOW_MS);
    let lease = this.leases.get(keyId);
    if (!lease || lease.window !== w) {
      lease = { window: w, remaining: 0, exhausted: false, pending: undefined };
      this.leases.set(keyId, lease);
      if (this.leases.size > 10_000) this.prune(w);
    }
    if (lease.remaining > 0) {
      lease.remaining--;
      return 0;
    }
    if (lease.exhausted) return retryAfter(now);
    const l = lease;
    l.pending ??= this.renew(keyId, l).finally(() => (l.pending = undefined));
    return l.pending.then(() => this.take(keyId));
  }

  private async renew(keyId: string, lease: Lease): Promise<void> {
    try {
      const granted = await this.commands.fraudRateLease(`${this.keyPrefix}rl:${keyId}:${lease.window}`, this.leaseSize, this.limit, WINDOW_MS * 2);
      lease.remaining += granted;
      if (granted < this.leaseSize) lease.exhausted = true;
    } catch (err) {
      this.onError(err);
      // Let the local limiter decide for a second rather than failing every request on Redis.
      this.fallbackUntil = this.now() + 1000;
    }
  }

  private prune(window: number): void {
    for (const [k, l] of this.leases) if (l.window !== window) this.leases.delete(k);
  }
}
