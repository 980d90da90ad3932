import Redis from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis, uniqueTestName } from "../testing/services";
import { LocalRateLimiter, RedisRateLimiter } from "./rate-limit";

describe("in-process rate limit", () => {
  it("allows `limit` per key per clock minute and says how long to wait", () => {
    let now = Date.parse("2024-03-01T10:00:15Z");
    const rl = new LocalRateLimiter(2, () => now);
    expect([rl.take("a"), rl.take("a"), rl.take("a"), rl.take("b")]).toEqual([0, 0, 45, 0]);
    now += 44_500;
    expect(rl.take("a")).toBe(1);
    now += 1000; // next minute
    expect(rl.take("a")).toBe(0);
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
            expect(wait).toBe(30);
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

  it("falls back to the in-process limit when Redis fails", async () => {
    const broken = new Redis("redis://127.0.0.1:1", { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    broken.on("error", () => undefined);
    const errors: unknown[] = [];
    const rl = new RedisRateLimiter(broken, 1, prefix, new LocalRateLimiter(1), (e) => errors.push(e));
    expect(await rl.take("k")).toBe(0);
    expect(await rl.take("k")).toBeGreaterThan(0);
    expect(errors.length).toBe(1);
    broken.disconnect();
  });
});
