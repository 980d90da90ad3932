import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, uniqueTestName } from "../testing/services";
import { LocalRateLimiter, RedisRateLimiter, retryAfterSeconds, roomAt } from "./rate-limit";

describe("sliding-window arithmetic", () => {
  const start = Date.parse("2024-03-01T10:00:00Z");
  it("weighs the previous minute by the share of it still inside the last 60 s, in integers", () => {
    expect(roomAt(start, 3, 0, 3)).toBe(0);
    // 3 x 40/60 is 2 exactly: as floating point (3 x 0.666...) it would round up to 3
    expect(roomAt(start + 20_000, 3, 0, 3)).toBe(1);
    expect(roomAt(start + 59_999, 3, 1, 3)).toBe(1);
  });

  it("says how long until one more request fits", () => {
    // current minute full (2 of 2) at 10:00:15: next minute, once 2 x left/60 <= 1, at 10:01:30
    expect(retryAfterSeconds(start + 15_000, 0, 2, 2)).toBe(75);
    // previous minute 2, nothing yet in this one, limit 2 at 10:01:15: once 2 x left/60 <= 1, at 10:01:30
    expect(retryAfterSeconds(start + 75_000, 2, 0, 2)).toBe(15);
    expect(retryAfterSeconds(start + 29_900, 2, 0, 2)).toBe(1);
  });
});

describe("in-process rate limit", () => {
  it("allows `limit` per key in any minute and says how long to wait", () => {
    let now = Date.parse("2024-03-01T10:00:15Z");
    const rl = new LocalRateLimiter(2, () => now);
    expect([rl.take("a"), rl.take("a"), rl.take("a"), rl.take("b")]).toEqual([0, 0, 75, 0]);
    now = Date.parse("2024-03-01T10:01:15Z");
    expect(rl.take("a")).toBe(15);
    now = Date.parse("2024-03-01T10:01:30Z");
    expect([rl.take("a"), rl.take("a")]).toEqual([0, 30]);
    // idle for a minute: the full limit again
    now = Date.parse("2024-03-01T10:03:00Z");
    expect([rl.take("a"), rl.take("a"), rl.take("a")]).toEqual([0, 0, 90]);
  });

  it("does not let a client spend the limit at the end of a minute and again at the start of the next", () => {
    let now = Date.parse("2024-03-01T10:00:59Z");
    const rl = new LocalRateLimiter(4, () => now);
    expect([0, 1, 2, 3].map(() => rl.take("k"))).toEqual([0, 0, 0, 0]);
    now = Date.parse("2024-03-01T10:01:00.500Z");
    expect(rl.take("k")).toBeGreaterThan(0);
  });
});

describeWithRedis("Redis rate limit", (redisUrl) => {
  const prefix = `${uniqueTestName("rl")}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it("leases tokens so that replicas together never exceed the limit", async () => {
    const now = () => Date.parse("2024-03-01T10:00:30Z");
    const errors: unknown[] = [];
    const make = () => new RedisRateLimiter(redis, 250, prefix, new LocalRateLimiter(250, now), (e) => errors.push(e), now);
    const replicas = [make(), make(), make()];
    let admitted = 0;
    let refusals = 0;
    await Promise.all(
      replicas.map(async (rl) => {
        for (let i = 0; i < 200; i++) {
          const wait = await rl.take("key");
          if (wait === 0) admitted++;
          else {
            refusals++;
            // 250 of 250 this minute at 10:00:30: one more fits once 250 x left/60 <= 249, at 10:01:00.24
            expect(wait).toBe(31);
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    expect(admitted).toBe(250);
    expect(refusals).toBe(350);
    // leases of 2 tokens: about one Redis call per two requests, never one per request
    expect(Number(await redis.get(`${prefix}rl:key:${Math.floor(now() / 60_000)}`))).toBeGreaterThanOrEqual(250);
  });

  it("counts the previous minute across replicas", async () => {
    let t = Date.parse("2024-03-01T10:00:50Z");
    const now = () => t;
    const make = () => new RedisRateLimiter(redis, 100, `${prefix}slide:`, new LocalRateLimiter(100, now), () => undefined, now);
    const [a, b] = [make(), make()];
    for (let i = 0; i < 50; i++) expect([await a.take("k"), await b.take("k")]).toEqual([0, 0]);
    // 10:01:10: 100 x 50/60 of the last minute still counts (84), so 16 fit, whichever replica asks
    t = Date.parse("2024-03-01T10:01:10Z");
    const waits: number[] = [];
    for (let i = 0; i < 15; i++) waits.push(await a.take("k"), await b.take("k"));
    expect(waits.filter((w) => w === 0)).toHaveLength(16);
    expect(Math.min(...waits.filter((w) => w > 0))).toBeGreaterThanOrEqual(1);
  });

  it("falls back to the in-process limit when Redis fails", async () => {
    const broken = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    broken.on("error", () => undefined);
    const errors: unknown[] = [];
    const rl = new RedisRateLimiter(broken, 1, prefix, new LocalRateLimiter(1), (e) => errors.push(e));
    expect(await rl.take("k")).toBe(0);
    expect(await rl.take("k")).toBeGreaterThan(0);
    expect(errors.length).toBe(1);
    broken.disconnect();
  });
});
