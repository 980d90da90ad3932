/**
 * bench:api's `--tracingRounds N`: the single-transaction run against two APIs from the same bundle,
 * one with tracing off and one with tracing on at 1% sampling (parentbased_traceidratio 0.01; the
 * load sends no traceparent, so 1 in 100 requests starts a sampled trace) exporting over OTLP/HTTP
 * to a sink in this process, alternating which goes first each round so a drift of the shared
 * machine's speed falls on both; the traced API first gets an unmeasured run as long as the
 * untraced one's single run, so neither round 1 nor the median charges a cold process to tracing. Prints each round's rates and the API process's CPU per
 * transaction, then the median and the spread of the ratios. On a machine shared with other jobs
 * the throughput swings by 2x between runs; CPU time per transaction is the steadier figure.
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

export interface Run {
  readonly txPerSecond: number;
  /** CPU time of the API process per transaction, microseconds. */
  readonly cpuUsPerTx: number;
}

export interface RoundResult {
  readonly off: Run;
  readonly on: Run;
}

/** Runs `rounds` pairs; `single(which)` drives one API's single run and resolves with its tx/s. */
export async function tracingRounds(rounds: number, single: (which: "off" | "on") => Promise<Run>): Promise<RoundResult[]> {
  const results: RoundResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const order: ("off" | "on")[] = r % 2 === 0 ? ["off", "on"] : ["on", "off"];
    const run: Partial<Record<"off" | "on", Run>> = {};
    for (const which of order) run[which] = await single(which);
    const result = { off: run.off!, on: run.on! };
    console.log(
      `tracing round ${r + 1}: off ${result.off.txPerSecond.toFixed(0)} tx/s ${result.off.cpuUsPerTx.toFixed(1)} us CPU/tx, ` +
        `on (1%) ${result.on.txPerSecond.toFixed(0)} tx/s ${result.on.cpuUsPerTx.toFixed(1)} us CPU/tx; ` +
        `throughput on/off ${((100 * result.on.txPerSecond) / result.off.txPerSecond).toFixed(1)}%, ` +
        `CPU on/off ${((100 * result.on.cpuUsPerTx) / result.off.cpuUsPerTx).toFixed(1)}% (${order.join(" then ")})`,
    );
    results.push(result);
  }
  return results;
}

function median(sorted: readonly number[]): number {
  return sorted.length % 2 ? sorted[sorted.length >> 1] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
}

export function summary(results: readonly RoundResult[]): string {
  const rates = results.map((r) => r.on.txPerSecond / r.off.txPerSecond).sort((a, b) => a - b);
  const cpu = results.map((r) => r.on.cpuUsPerTx / r.off.cpuUsPerTx).sort((a, b) => a - b);
  const pct = (x: number) => `${(100 * x - 100).toFixed(1)}%`;
  return (
    `tracing on at 1% sampling, median of ${results.length} rounds: API CPU per transaction ${pct(median(cpu))} ` +
    `(range ${pct(cpu[0])} to ${pct(cpu[cpu.length - 1])}); single throughput ${pct(median(rates))} ` +
    `(range ${pct(rates[0])} to ${pct(rates[rates.length - 1])}); target: under 5% of single throughput: ` +
    `${1 - median(rates) < 0.05 ? "PASS" : "FAIL"} by throughput, ${median(cpu) - 1 < 0.05 ? "PASS" : "FAIL"} by CPU`
  );
}
