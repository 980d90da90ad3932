import { describe, expect, it } from "vitest";
import { probePostgres, probeRedis, probeXgboost, redactUrl, uniqueTestName } from "./services";

describe("service probes", () => {
  it("reports an unreachable Redis with the URL and no password", () => {
    const probe = probeRedis("redis://:hunter2@127.0.0.1:1");
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/^Redis not reachable at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
    expect(probe.reason).not.toContain("hunter2");
  });

  it("reports an unreachable PostgreSQL", () => {
    const probe = probePostgres("postgres://postgres@127.0.0.1:1/test");
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/^PostgreSQL not reachable at postgres:\/\/postgres@127\.0\.0\.1:1\/test \(.+\)$/);
  });

  it("names the XGBoost binary it found, or says how to get it", () => {
    const probe = probeXgboost();
    if (probe.available) expect(probe.target).toMatch(/xgboost$/);
    else expect(probe.reason).toContain("apt-get install -y xgboost");
  });

  it("redacts passwords and leaves other URLs alone", () => {
    expect(redactUrl("redis://user:secret@host:6379/0")).toBe("redis://user:***@host:6379/0");
    expect(redactUrl("redis://host:6379")).toBe("redis://host:6379");
    expect(redactUrl("not a url")).toBe("not a url");
  });

  it("makes distinct names safe for keys and schemas", () => {
    const a = uniqueTestName("feature-store");
    expect(a).toMatch(/^test_feature_store_\d+_[0-9a-f]{8}$/);
    expect(uniqueTestName("feature-store")).not.toBe(a);
  });
});
