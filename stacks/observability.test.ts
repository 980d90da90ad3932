/**
 * The stack's `observability` settings: what `observabilitySettings` makes of the tracing section of
 * Pulumi.<stack>.yaml, defaults and refusals.
 */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../app/src/config/config-error";
import { TRACING_DEFAULTS, type TracingOptions } from "../infra/observability/tracing";
import { observabilitySettings } from "./observability";
import { SettingsReader } from "./validate";

const XRAY: TracingOptions = { ...TRACING_DEFAULTS, environment: "prod" };
const OTLP: TracingOptions = {
  ...XRAY,
  exporter: { kind: "otlp", endpoint: "https://tempo.example.internal:4318", egressCidrs: ["10.60.0.0/24"] },
};

describe("observability settings", () => {
  const read = (tracing: unknown) => {
    const reader = new SettingsReader("fraud-platform", (k) => (k === "observability" ? JSON.stringify({ tracing }) : undefined));
    const value = observabilitySettings(reader.section("observability"), "prod");
    try {
      reader.finish();
      return { value };
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      return { problems: e.problems.map((p) => p.key.replace("fraud-platform:observability.tracing.", "")) };
    }
  };

  it("off unless enabled; on: X-Ray at 1% with a 2-replica collector by default", () => {
    expect(read({ enabled: false }).value).toEqual({});
    expect(read({}).value).toEqual({});
    expect(read({ enabled: true }).value).toEqual({ tracing: XRAY });
    expect(read({ enabled: true, samplingRatio: "0.1" }).value!.tracing!.samplingRatio).toBe(0.1);
  });

  it("an OTLP exporter needs its URL and the CIDRs it answers at; X-Ray takes neither", () => {
    expect(
      read({ enabled: true, exporter: "otlp", otlp: { endpoint: "https://tempo.example.internal:4318", egressCidrs: ["10.60.0.0/24"] } })
        .value,
    ).toEqual({
      tracing: OTLP,
    });
    expect(read({ enabled: true, exporter: "otlp" }).problems).toEqual(["otlp.endpoint", "otlp.egressCidrs"]);
    expect(read({ enabled: true, exporter: "otlp", otlp: { endpoint: "https://t:4318", egressCidrs: ["0.0.0.0/0"] } }).problems).toEqual([
      "otlp.egressCidrs[0]",
    ]);
    expect(read({ enabled: true, otlp: { endpoint: "https://t:4318" } }).problems).toEqual(["otlp.endpoint"]);
  });

  it("refuses a ratio outside (0, 1], an unpinned image, a replica range upside down", () => {
    expect(read({ enabled: true, samplingRatio: 0 }).problems).toEqual(["samplingRatio"]);
    expect(read({ enabled: true, samplingRatio: 1.5 }).problems).toEqual(["samplingRatio"]);
    expect(read({ enabled: true, collector: { image: "otel/opentelemetry-collector:latest" } }).problems).toEqual(["collector.image"]);
    expect(read({ enabled: true, collector: { minReplicas: 3, maxReplicas: 2 } }).problems).toEqual(["collector.maxReplicas"]);
  });
});
