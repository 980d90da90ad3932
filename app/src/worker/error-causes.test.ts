/** The worker's error logging reaches the nested reason of a Kafka failure (with the client's real error classes). */
import { MultipleErrors, NetworkError, ProtocolError } from "@platformatic/kafka";
import { describe, expect, it } from "vitest";
import { createLogger } from "../serving/log";
import { errorCauses, errorFields, errorSummary } from "./error-causes";

function refused(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
}

/** The shape the consumer rejects with when no broker answers: one aggregate per retry. */
function noBroker(): MultipleErrors {
  const attempt = () =>
    new MultipleErrors("Cannot connect to any broker.", [new NetworkError("Connection to 127.0.0.1:1 failed.", { cause: refused() })]);
  return new MultipleErrors("findGroupCoordinator failed 4 times.", [attempt(), attempt(), attempt(), attempt()]);
}

describe("errorCauses", () => {
  it("lists the nested errors and causes depth first, repeats counted once", () => {
    expect(errorCauses(noBroker())).toEqual([
      "PLT_KFK_MULTIPLE: Cannot connect to any broker. (x4)",
      "PLT_KFK_NETWORK: Connection to 127.0.0.1:1 failed. (x4)",
      "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1 (x4)",
    ]);
  });

  it("names a broker's protocol error by its Kafka error name, with the broker's message", () => {
    const err = new MultipleErrors("Received response with error while executing API ApiVersions(v4)", [
      new ProtocolError("UNSUPPORTED_VERSION", "ApiVersions v4 is not supported"),
    ]);
    expect(errorCauses(err)).toEqual([
      "UNSUPPORTED_VERSION: The version of API is not supported. (broker: ApiVersions v4 is not supported)",
    ]);
  });

  it("has nothing to add for a plain error and survives a cause cycle", () => {
    expect(errorCauses(new Error("plain"))).toEqual([]);
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(errorCauses(a)).toEqual(["b", "a"]);
    expect(errorCauses("a string")).toEqual([]);
  });

  it("keeps a log line bounded when every cause differs", () => {
    const many = new MultipleErrors(
      "many",
      Array.from({ length: 100 }, (_, i) => new Error(`broker ${i}`)),
    );
    expect(errorCauses(many)).toHaveLength(20);
  });
});

describe("errorFields and errorSummary", () => {
  it("put the causes into the JSON log line and the readiness text", () => {
    const lines: string[] = [];
    createLogger("info", (l) => lines.push(l)).error("stream: Kafka failed", errorFields(noBroker()));
    const logged = JSON.parse(lines[0]!) as { error: string; causes: string[] };
    expect(logged.error).toBe("findGroupCoordinator failed 4 times.");
    expect(logged.causes).toContain("ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1 (x4)");
    expect(errorSummary(noBroker())).toMatch(/^findGroupCoordinator failed 4 times\. <- .*ECONNREFUSED/);
    expect(errorFields(new Error("plain"))).toEqual({ error: "plain" });
  });
});
