/** The API started before any model is promoted: not ready, 503, then serving once one is. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testVersionFiles } from "../testing/model-fixtures";
import { START_TIMEOUT_MS, startHarness, tx, type Harness } from "./testing/harness";

describe("fraud API without a model", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ initialVersion: null });
  }, START_TIMEOUT_MS);
  afterAll(() => h.close());

  it("is not ready and answers 503 until a model is promoted", async () => {
    const ready = await h.request("GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.json.checks.model).toBe("no model loaded");
    const r = await h.request("POST", "/v1/score", tx());
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("5");
    await h.registry.putVersion("v1", testVersionFiles("v1"));
    await h.registry.promote("v1", "test");
    await h.api.runtime.models.poll();
    expect((await h.request("POST", "/v1/score", tx())).status).toBe(200);
  });
});
