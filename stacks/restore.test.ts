import { describe, expect, it } from "vitest";
import { stackConfig } from "../infra/testing/harness";
import { databaseRestore } from "./restore";
import { loadSettings, PROJECT } from "./settings";
import { ConfigError } from "../app/src/config/config-error";
import { SettingsReader } from "./validate";

const NOW = new Date("2026-12-07T12:00:00Z");

/** `database.restore` read from a plain object: the value, or the problems' keys and values. */
function read(restore: unknown) {
  const reader = new SettingsReader("fraud-platform", (k) => (k === "database" ? JSON.stringify({ restore }) : undefined));
  const value = databaseRestore(reader.section("database").section("restore"), NOW);
  try {
    reader.finish();
    return { value };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { problems: e.problems.map((p) => `${p.key}=${JSON.stringify(p.value)}`) };
  }
}

describe("database.restore", () => {
  it("absent or empty: a database created empty", () => {
    expect(read(undefined)).toEqual({ value: undefined });
    expect(read({})).toEqual({ value: undefined });
  });

  it("from a snapshot, by identifier or ARN", () => {
    expect(read({ fromSnapshot: "rds:fraud-platform-prod-postgres-2026-12-07-03-10" }).value).toEqual({
      fromSnapshot: "rds:fraud-platform-prod-postgres-2026-12-07-03-10",
    });
    const arn = "arn:aws:rds:us-east-1:123456789012:snapshot:before-migration-42";
    expect(read({ fromSnapshot: arn }).value).toEqual({ fromSnapshot: arn });
  });

  it("from a point in time of an instance's backups: a time, or the latest restorable one", () => {
    expect(read({ sourceInstance: "fraud-platform-prod-postgres", toTime: "2026-12-07T03:15:00Z" }).value).toEqual({
      sourceInstance: "fraud-platform-prod-postgres",
      toTime: "2026-12-07T03:15:00Z",
    });
    expect(read({ sourceInstance: "fraud-platform-prod-postgres" }).value).toEqual({ sourceInstance: "fraud-platform-prod-postgres" });
  });

  it("refuses both sources, a time without an instance, a time in the future or not UTC, bad names, unknown keys", () => {
    const key = "fraud-platform:database.restore";
    expect(read({ fromSnapshot: "rds:x-1", sourceInstance: "x" }).problems).toEqual([`${key}.sourceInstance="x"`]);
    expect(read({ toTime: "2026-12-07T03:15:00Z" }).problems).toEqual([`${key}.toTime="2026-12-07T03:15:00Z"`]);
    expect(read({ sourceInstance: "x", toTime: "2026-12-08T03:15:00Z" }).problems).toEqual([`${key}.toTime="2026-12-08T03:15:00Z"`]);
    expect(read({ sourceInstance: "x", toTime: "2026-12-07 03:15" }).problems).toEqual([`${key}.toTime="2026-12-07 03:15"`]);
    expect(read({ sourceInstance: "1abc" }).problems).toEqual([`${key}.sourceInstance="1abc"`]);
    expect(read({ fromSnapshot: "snap shot" }).problems).toEqual([`${key}.fromSnapshot="snap shot"`]);
    expect(read({ fromSnapshot: "rds:x-1", time: "now" }).problems).toEqual([`${key}.time="now"`]);
  });
});

describe("modelRegistry", () => {
  const load = (stack: "dev" | "prod", modelRegistry: unknown, region = "us-east-1") => {
    const { config } = stackConfig(stack);
    const sections: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (k.startsWith(`${PROJECT}:`)) sections[k.slice(PROJECT.length + 1)] = JSON.parse(v);
    if (modelRegistry !== undefined) sections.modelRegistry = modelRegistry;
    return loadSettings(
      new SettingsReader(PROJECT, (k) => (sections[k] === undefined ? undefined : JSON.stringify(sections[k]))),
      stack,
      region,
    );
  };

  it("prod replicates to us-west-2 and keeps old versions 90 days; dev keeps them 30 days, no replica", () => {
    expect(load("prod", undefined).modelRegistry).toEqual({ noncurrentVersionDays: 90, replicaRegion: "us-west-2" });
    expect(load("dev", undefined).modelRegistry).toEqual({ noncurrentVersionDays: 30, replicaRegion: undefined });
  });

  it("a replica in the stack's own region, or not a region, is refused", () => {
    expect(() => load("prod", { replicaRegion: "us-east-1" })).toThrow(
      /modelRegistry.replicaRegion = "us-east-1": expected a region other than/,
    );
    expect(() => load("prod", { replicaRegion: "west" })).toThrow(/modelRegistry.replicaRegion = "west": expected an AWS region/);
    expect(() => load("prod", { noncurrentVersionDays: 0 })).toThrow(/noncurrentVersionDays = 0/);
  });
});
