import { describe, expect, it } from "vitest";
import { version } from "../../../package.json";
import { createLogger } from "./log";

describe("logger", () => {
  it("writes one JSON line per event with level, ISO time, service, version, msg and the fields", () => {
    const lines: string[] = [];
    const log = createLogger("info", { service: "api", write: (l) => lines.push(l) });
    log.debug("not written below the level");
    log.warn("model poll failed", { registry: "s3://b/models", error: "timeout" });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith("\n")).toBe(true);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toEqual({
      level: "warn",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: "api",
      version,
      msg: "model poll failed",
      registry: "s3://b/models",
      error: "timeout",
    });
  });

  it("adds a child's bindings and the mixin's fields to every line", () => {
    const lines: string[] = [];
    let modelVersion = "v1";
    const log = createLogger("debug", { write: (l) => lines.push(l), mixin: () => ({ modelVersion }) });
    log.child({ traceId: "abc" }).info("scored");
    modelVersion = "v2";
    log.debug("swapped");
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ msg: "scored", traceId: "abc", modelVersion: "v1", level: "info" }),
      expect.objectContaining({ msg: "swapped", modelVersion: "v2", level: "debug" }),
    ]);
  });
});
