import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error";
import { thrownProblems } from "../testing/thrown-problems";
import { loadApiConfig } from "./config";

describe("configuration from the environment", () => {
  it("runs on embedded defaults with no variables", () => {
    const cfg = loadApiConfig({});
    expect(cfg).toMatchObject({
      port: 8080,
      metricsPort: 9464,
      redis: undefined,
      database: { kind: "embedded" },
      modelRegistry: "./registry",
      batchMax: 1000,
    });
    expect(cfg.thresholds).toEqual({});
    expect(cfg.features).toEqual({ timezone: "UTC", labelDelayMs: 7 * 86_400_000 });
  });

  it("reads the cluster's settings", () => {
    const cfg = loadApiConfig({
      REDIS_URL: "rediss://cache:6379",
      REDIS_AUTH_SECRET_ARN: "arn:redis",
      DATABASE_HOST: "db.internal",
      DATABASE_NAME: "fraud",
      DATABASE_SECRET_ARN: "arn:db",
      DATABASE_TLS: "true",
      DECISION_THRESHOLD_REVIEW: "0.3",
      FEATURE_TIMEZONE: "Europe/Paris",
      BATCH_MAX: "10",
    });
    expect(cfg.redis).toEqual({ url: "rediss://cache:6379", tls: true, authSecretArn: "arn:redis" });
    expect(cfg.database).toEqual({
      kind: "postgres",
      url: undefined,
      host: "db.internal",
      port: 5432,
      database: "fraud",
      tls: true,
      secretArn: "arn:db",
    });
    expect(cfg.thresholds).toEqual({ review: 0.3 });
    expect(cfg.maxBodyBytes).toBe(10 * 2048 + 4096);
  });

  it("lists every problem at once, naming the variable", () => {
    expect(
      thrownProblems(ConfigError, () =>
        loadApiConfig({
          PORT: "http",
          API_KEYS: "short",
          DECISION_THRESHOLD_REVIEW: "0.9",
          DECISION_THRESHOLD_DECLINE: "0.5",
          FEATURE_TIMEZONE: "Mars/Base",
          REDIS_TLS: "maybe",
          REDIS_URL: "redis://x",
        }),
      ),
    ).toEqual([
      'FEATURE_TIMEZONE="Mars/Base": not an IANA timezone',
      'REDIS_TLS="maybe": expected true or false',
      "DECISION_THRESHOLD_REVIEW=0.9 must not exceed DECISION_THRESHOLD_DECLINE=0.5",
      'PORT="http": expected an integer in [0, 65535]',
      "API_KEYS: every key must be at least 16 characters (one is 5)",
    ]);
  });
});
