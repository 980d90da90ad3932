/** The API's in-process rate limit, per API key, over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OTHER_KEY, START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

describe("fraud API rate limit (in-process)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: "3" } });
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  it("answers 429 with Retry-After past the per-key limit, per key", async () => {
    // 3 allowed in any minute: the 4th is refused, also when a minute boundary passes meanwhile
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 4; i++) {
      const r = await h.request("POST", "/v1/score", tx());
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // at most when the limit was reached at a minute's start: once 3 x left/60 <= 2, 80 s later
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(limited!.headers.get("retry-after"))).toBeLessThanOrEqual(80);
    expect(limited!.json.error).toBe("rate_limited");
    expect((await h.request("POST", "/v1/score", tx(), { "X-API-Key": OTHER_KEY })).status).toBe(200);
  });
});
