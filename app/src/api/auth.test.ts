import { describe, expect, it } from "vitest";
import { ApiKeys, keysFromSecret, parseKeySecret } from "./auth";
import { silentLogger } from "../serving/log";

describe("API keys", () => {
  it("accepts only the configured keys and identifies them by a digest prefix, never the key", () => {
    const keys = new ApiKeys(["first-key-0123456789", "second-key-0123456789"]);
    const a = keys.check("first-key-0123456789");
    const b = keys.check("second-key-0123456789");
    expect(a?.id).toMatch(/^[0-9a-f]{12}$/);
    expect(b?.id).not.toBe(a?.id);
    expect(keys.check("first-key-012345678")).toBeUndefined();
    expect(keys.check("")).toBeUndefined();
    expect(keys.check(undefined)).toBeUndefined();
    expect(JSON.stringify(keys)).not.toContain("first-key");
  });

  it("reads a secret as a JSON array, {keys}, or comma-separated text", () => {
    expect(parseKeySecret('["a-key-0123456789abcdef", "b"]')).toEqual(["a-key-0123456789abcdef", "b"]);
    expect(parseKeySecret('{"keys": ["k1"]}')).toEqual(["k1"]);
    expect(parseKeySecret(" k1 , k2 ,")).toEqual(["k1", "k2"]);
    expect(() => parseKeySecret('{"other": 1}')).toThrow(/JSON array of strings/);
    expect(() => parseKeySecret("[]")).toThrow(/holds no keys/);
  });

  it("loads keys from Secrets Manager and keeps them when a refresh fails", async () => {
    const keys = new ApiKeys();
    let calls = 0;
    const timer = await keysFromSecret(
      keys,
      "arn:aws:secretsmanager:eu-west-1:1:secret:api-keys",
      async (arn) => {
        calls++;
        expect(arn).toBe("arn:aws:secretsmanager:eu-west-1:1:secret:api-keys");
        if (calls > 1) throw new Error("throttled");
        return '["rotating-key-0123456789"]';
      },
      silentLogger,
      10,
    );
    await new Promise((r) => setTimeout(r, 50));
    clearInterval(timer);
    expect(calls).toBeGreaterThan(1);
    expect(keys.check("rotating-key-0123456789")).toBeDefined();
  });
});
