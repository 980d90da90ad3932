/**
 * Per-key rate limit: at most `limit` requests per key in any minute, by the sliding-window
 * counter: the count of the current clock minute plus the previous minute's count weighted by the
 * share of that minute still inside the last 60 s (as if its requests were spread evenly). A fixed
 * window would let a client send `limit` at the end of one minute and `limit` again at the start
 * of the next.
 *
 * With Redis the counts are shared by every replica. To keep Redis off the per-request path, a
 * replica takes tokens in leases (INCRBY of up to 1% of the limit, one Lua call), and spends them
 * locally; so the cluster never admits more than the limit, and a replica may refuse while another
 * still holds up to one unused lease. When Redis fails the in-process limiter takes over until it
 * answers again (the limit then holds per replica).
 */
import type Redis from "ioredis";
import { RATE_LEASE_LUA } from "../redis/scripts";

const WINDOW_MS = 60_000;

/** 0: allowed; otherwise the seconds to wait (Retry-After). */
export type RateDecision = number;

export interface RateLimiter {
  take(keyId: string): RateDecision | Promise<RateDecision>;
}

/**
 * Requests that still fit at `now`, given the previous and the current clock minute's counts. In
 * integers (ms), so that a weight such as 2/3 cannot round a count up by one.
 */
export function roomAt(now: number, previous: number, current: number, limit: number): number {
  const left = WINDOW_MS - (now % WINDOW_MS);
  return limit - current - Math.ceil((previous * left) / WINDOW_MS);
}

/** Seconds until one more request fits, if nothing more is admitted meanwhile (at least 1). */
export function retryAfterSeconds(now: number, previous: number, current: number, limit: number): number {
  const start = now - (now % WINDOW_MS);
  // fits once the previous minute's weighted count is at most limit - current - 1; when the current
  // minute is full, once it is the previous minute and its weighted count is at most limit - 1
  const at =
    current < limit
      ? previous === 0
        ? now
        : start + WINDOW_MS * (1 - (limit - current - 1) / previous)
      : start + WINDOW_MS * (2 - (limit - 1) / current);
  return Math.max(1, Math.ceil((at - now) / 1000));
}

interface Counts {
  window: number;
  previous: number;
  current: number;
}

export class LocalRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, Counts>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(keyId: string): RateDecision {
    const now = this.now();
    const w = Math.floor(now / WINDOW_MS);
    let c = this.counts.get(keyId);
    if (!c) {
      c = { window: w, previous: 0, current: 0 };
      this.counts.set(keyId, c);
      if (this.counts.size > 10_000) this.prune(w);
    } else if (c.window !== w) {
      c.previous = c.window === w - 1 ? c.current : 0;
      c.current = 0;
      c.window = w;
    }
    if (roomAt(now, c.previous, c.current, this.limit) < 1) return retryAfterSeconds(now, c.previous, c.current, this.limit);
    c.current++;
    return 0;
  }

  /** Keys idle for two minutes count nothing any more. */
  private prune(window: number): void {
    for (const [k, c] of this.counts) if (c.window < window - 1) this.counts.delete(k);
  }
}

interface Lease {
  window: number;
  remaining: number;
  /** Redis refused: no renewal before this time (epoch ms). */
  refusedUntil: number;
  pending: Promise<void> | undefined;
}

interface LeaseCommands {
  fraudRateLease(
    current: string,
    previous: string,
    want: number,
    limit: number,
    ttlMs: number,
    elapsedMs: number,
    windowMs: number,
  ): Promise<[number, number, number]>;
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
    if (!("fraudRateLease" in redis)) redis.defineCommand("fraudRateLease", { numberOfKeys: 2, lua: RATE_LEASE_LUA });
    this.commands = redis as unknown as LeaseCommands;
  }

  take(keyId: string): RateDecision | Promise<RateDecision> {
    const now = this.now();
    if (now < this.fallbackUntil) return this.fallback.take(keyId);
    const w = Math.floor(now / WINDOW_MS);
    let lease = this.leases.get(keyId);
    if (!lease || lease.window !== w) {
      lease = { window: w, remaining: 0, refusedUntil: 0, pending: undefined };
      this.leases.set(keyId, lease);
      if (this.leases.size > 10_000) this.prune(w);
    }
    if (lease.remaining > 0) {
      lease.remaining--;
      return 0;
    }
    if (now < lease.refusedUntil) return Math.max(1, Math.ceil((lease.refusedUntil - now) / 1000));
    const l = lease;
    l.pending ??= this.renew(keyId, l, now).finally(() => (l.pending = undefined));
    return l.pending.then(() => this.take(keyId));
  }

  private async renew(keyId: string, lease: Lease, now: number): Promise<void> {
    try {
      const key = (window: number) => `${this.keyPrefix}rl:${keyId}:${window}`;
      const [granted, previous, current] = await this.commands.fraudRateLease(
        key(lease.window),
        key(lease.window - 1),
        this.leaseSize,
        this.limit,
        WINDOW_MS * 2,
        now % WINDOW_MS,
        WINDOW_MS,
      );
      lease.remaining += granted;
      if (granted === 0) lease.refusedUntil = now + retryAfterSeconds(now, previous, current, this.limit) * 1000;
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
