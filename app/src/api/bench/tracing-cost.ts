/**
 * bench:api's `--tracingRounds N`: the single-transaction run against two APIs from the same bundle,
 * one with tracing off and one with tracing on at 1% sampling (parentbased_traceidratio 0.01; the
 * load sends no traceparent, so 1 in 100 requests starts a sampled trace) exporting over OTLP/HTTP
 * to a sink in this process, alternating which goes first each round so a drift of the shared
 * machine's speed falls on both. Prints each round's rates and the on/off ratio, then the median and
 * the spread of the ratios.
 */
import { createServer } from "node:http";

export const TRACING_ENV = {
  OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
  OTEL_TRACES_SAMPLER_ARG: "0.01",
  OTEL_RESOURCE_ATTRIBUTES: "deployment.environment=bench",
} as const;

/** A stand-in collector: accepts OTLP/HTTP posts and counts them and their bytes. */
export async function otlpSink(): Promise<{ endpoint: string; posts: number; bytes: number; close(): void }> {
  const sink = { endpoint: "", posts: 0, bytes: 0, close: () => server.close() };
  const server = createServer((req, res) => {
    req.on("data", (c: Buffer) => (sink.bytes += c.length));
    req.on("end", () => {
      sink.posts++;
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  sink.endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return sink;
}

export interface RoundResult {
  readonly off: number;
  readonly on: number;
}

/** Runs `rounds` pairs; `single(which)` drives one API's single run and resolves with its tx/s. */
export async function tracingRounds(rounds: number, single: (which: "off" | "on") => Promise<number>): Promise<RoundResult[]> {
  const results: RoundResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const order: ("off" | "on")[] = r % 2 === 0 ? ["off", "on"] : ["on", "off"];
    const rate: Record<string, number> = {};
    for (const which of order) rate[which] = await single(which);
    const result = { off: rate.off, on: rate.on };
    console.log(
      `tracing round ${r + 1}: off ${result.off.toFixed(0)} tx/s, on (1%) ${result.on.toFixed(0)} tx/s, ` +
        `on/off ${((100 * result.on) / result.off).toFixed(1)}% (${order.join(" then ")})`,
    );
    results.push(result);
  }
  return results;
}

export function summary(results: readonly RoundResult[]): string {
  const ratios = results.map((r) => r.on / r.off).sort((a, b) => a - b);
  const median = ratios.length % 2 ? ratios[ratios.length >> 1] : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
  const cost = (x: number) => `${(100 * (1 - x)).toFixed(1)}%`;
  return (
    `tracing on at 1% sampling costs ${cost(median)} of single throughput (median of ${ratios.length} rounds; ` +
    `range ${cost(ratios[ratios.length - 1])} to ${cost(ratios[0])}): ${1 - median < 0.05 ? "PASS" : "FAIL"} (< 5%)`
  );
}
