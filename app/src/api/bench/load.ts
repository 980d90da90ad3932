/** The load drivers: autocannon (closed loop) and a fixed-rate open loop (driveAtRate). */

import autocannon from "autocannon";
import { setTimeout as sleep } from "node:timers/promises";
import type { CpuSample } from "./cpu";
import { HttpPool } from "./http-pool";
import { API_KEY, type Mode, type Options, txPerRequest } from "./options";
import { transaction } from "./transactions";

export interface Figures {
  /** What the run is printed and looked up as (`api single`, `api single, shadow on`). */
  label?: string;
  target: string;
  mode: string;
  requestsPerSecond: number;
  txPerSecond: number;
  p50: number;
  p99: number;
  failed: number;
  ok: number;
  /** Fixed-rate runs only (see driveAtRate). */
  paced?: PacedFigures;
  /** Decisions of the run scored without Redis (API only). */
  degraded?: number;
  /**
   * Redis time in the feature-store script per transaction of the run (INFO commandstats, evalsha
   * usec: includes any other client's scripts on a shared Redis). API only.
   */
  redisUsPerTx?: number;
  /** Transactions per feature-store script call: how well concurrent requests share a call. API only. */
  txPerScript?: number;
  /** CPU microseconds per transaction of the run, per process group (where the machine reports it). */
  cpuUsPerTx?: CpuSample;
}

/** CPU seconds used so far. */
export async function drive(target: string, mode: Mode, url: string, opts: Options, measure: boolean): Promise<Figures> {
  if (mode === "rate") return driveAtRate(target, url, opts.rate, measure ? opts.seconds : opts.warmupSeconds, opts.connections);
  const perRequest = txPerRequest(mode, opts);
  const body =
    mode === "single"
      ? () => JSON.stringify(transaction())
      : () => JSON.stringify({ transactions: Array.from({ length: perRequest }, transaction) });
  const result = await autocannon({
    url,
    connections: mode === "single" ? opts.connections : opts.batchConnections,
    duration: measure ? opts.seconds : opts.warmupSeconds,
    requests: [
      {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": API_KEY },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
      },
    ],
  });
  const ok = result["2xx"];
  const seconds = measure ? opts.seconds : opts.warmupSeconds;
  return {
    target,
    mode,
    requestsPerSecond: ok / seconds,
    txPerSecond: (ok * perRequest) / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.errors + result.timeouts + result.non2xx,
    ok,
  };
}

interface PacedFigures {
  /** Transactions per second offered (the schedule). */
  offered: number;
  max: number;
  /** p99 of the latency from the write to a socket instead of the due time (omits all waiting). */
  p99FromSend: number;
  /** p99 and max of how late requests were written to a socket behind the schedule. */
  sendLagP99: number;
  sendLagMax: number;
  /** Most requests outstanding at once. */
  maxInFlight: number;
}

/** Nearest-rank percentile of ascending values. */
function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** autocannon's default request timeout; also how long the fixed-rate run waits for its backlog. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Single transactions offered at a fixed rate, open loop: request i is due at start + i / rate
 * whether or not earlier ones have been answered, and its latency is counted from that due time.
 *
 * Not autocannon's `overallRate`, because of coordinated omission: autocannon (8.0.0, lib/httpClient.js
 * and lib/run.js) gives each connection a quota per second that it sends back to back, one request in
 * flight, then idles until the next second, so a slow answer delays the requests behind it and their
 * waiting is never measured (the load it offers is bursty and falls when the server slows). Its
 * correction, recordValueWithExpectedInterval(latency, ceil(1 / per-connection rate)), uses 1 ms as
 * the expected interval whatever the rate (1 / rate is in seconds, latencies in ms), so it fills in
 * samples that do not match the schedule either. Here nothing waits for an answer before sending
 * (up to `maxConnections` sockets; past that a request waits in HttpPool's queue, and the waiting
 * counts), and the latency from the due time includes any delay the server caused. It also includes
 * this process's own lateness (timers fire at 1 ms granularity, and it shares the cores): the time
 * from due to written to a socket (send lag) and the latency from the write are printed too, so that
 * a slow server (a queue: requests wait for a connection) and a late load generator (no queue, yet
 * sent late) can be told apart; the echo run at the same rate shows what the generator alone reaches.
 */
async function driveAtRate(target: string, url: string, rate: number, seconds: number, maxConnections: number): Promise<Figures> {
  const pool = new HttpPool(url, { "content-type": "application/json", "x-api-key": API_KEY }, maxConnections, REQUEST_TIMEOUT_MS);
  const total = Math.max(1, Math.round(rate * seconds));
  const intervalMs = 1000 / rate;
  const fromDue: number[] = [];
  const fromSend: number[] = [];
  const sendLag: number[] = [];
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let lastAnswer = 0;
  let allSent = false;
  let resolveDone = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const start = performance.now();
  const send = (due: number) => {
    const body = JSON.stringify(transaction());
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    pool.post(body, (outcome, sentAt) => {
      const now = performance.now();
      // like autocannon: latencies of 2xx answers; anything else is counted as failed
      if (typeof outcome === "number" && outcome >= 200 && outcome < 300) {
        lastAnswer = now;
        ok++;
        fromDue.push(now - due);
        fromSend.push(now - (sentAt ?? now));
        sendLag.push((sentAt ?? now) - due);
      } else failed++;
      if (--inFlight === 0 && allSent) resolveDone();
    });
  };
  for (let i = 0; i < total;) {
    const now = performance.now();
    // everything due by now goes out at once: after a late timer, the backlog is sent, not skipped
    while (i < total && start + i * intervalMs <= now) send(start + i++ * intervalMs);
    if (i < total) await sleep(start + i * intervalMs - performance.now());
  }
  allSent = true;
  // an overloaded server would otherwise keep the run going as long as its backlog lasts: what is
  // unanswered REQUEST_TIMEOUT_MS after the last due time fails (closing the pool fails it)
  if (inFlight > 0) {
    const giveUp = new AbortController();
    const deadline = sleep(start + (total - 1) * intervalMs + REQUEST_TIMEOUT_MS - performance.now(), undefined, { signal: giveUp.signal });
    await Promise.race([done, deadline.catch(() => undefined)]);
    giveUp.abort();
  }
  pool.close();
  const elapsedSeconds = (Math.max(lastAnswer, start) - start) / 1000;
  const asc = (xs: number[]) => Float64Array.from(xs).sort();
  const [due, fromSent, lag] = [asc(fromDue), asc(fromSend), asc(sendLag)];
  return {
    target,
    mode: "rate",
    requestsPerSecond: ok / elapsedSeconds,
    txPerSecond: ok / elapsedSeconds,
    p50: percentile(due, 0.5),
    p99: percentile(due, 0.99),
    failed,
    ok,
    paced: {
      offered: rate,
      max: due.length ? due[due.length - 1] : NaN,
      p99FromSend: percentile(fromSent, 0.99),
      sendLagP99: percentile(lag, 0.99),
      sendLagMax: lag.length ? lag[lag.length - 1] : NaN,
      maxInFlight,
    },
  };
}
