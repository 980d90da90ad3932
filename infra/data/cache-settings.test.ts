import { describe, expect, it } from "vitest";
import { memberClusterIds, parameterGroupFamily } from "./cache-settings";

describe("cache settings", () => {
  it("names the parameter group family of the engine version", () => {
    expect(parameterGroupFamily("7.1")).toBe("redis7");
    expect(parameterGroupFamily("6.2")).toBe("redis6.x");
    expect(() => parameterGroupFamily("5.0")).toThrow(/6.x or later/);
    expect(() => parameterGroupFamily("7")).toThrow(/major.minor/);
  });

  it("names the member clusters the way ElastiCache does", () => {
    expect(memberClusterIds("fraud-cache", 3)).toEqual(["fraud-cache-001", "fraud-cache-002", "fraud-cache-003"]);
  });
});
