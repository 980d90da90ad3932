/** CPU accounting per transaction of a run: the server under test, Redis, PostgreSQL and this process. */

import { existsSync, readdirSync, readFileSync } from "node:fs";
import type Redis from "ioredis";

export interface CpuSample {
  /** The server under test (the API or the echo). */
  server: number;
  redis: number;
  /** Every postgres process on the machine. */
  postgres: number;
  /** This process: autocannon and the request bodies it sends. */
  loadGenerator: number;
}

/** Linux reports process CPU in /proc in USER_HZ ticks, 100 per second. */
const TICKS_PER_SECOND = 100;

/** utime + stime of one /proc/<pid>/stat, in seconds, with the process name. */
function procCpu(pid: string): { name: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return { name: stat.slice(stat.indexOf("(") + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

export async function cpuSample(serverPid: number, redis: Redis): Promise<CpuSample> {
  const info = await redis.info("cpu");
  const redisSeconds = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? NaN) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? NaN);
  let postgres = 0;
  for (const pid of existsSync("/proc") ? readdirSync("/proc") : []) {
    if (!/^\d+$/.test(pid)) continue;
    const p = procCpu(pid);
    if (p?.name === "postgres") postgres += p.seconds;
  }
  const self = process.cpuUsage();
  return {
    server: procCpu(String(serverPid))?.seconds ?? NaN,
    redis: redisSeconds,
    postgres: existsSync("/proc") ? postgres : NaN,
    loadGenerator: (self.user + self.system) / 1e6,
  };
}

export function perTx(before: CpuSample, after: CpuSample, txs: number): CpuSample {
  // a process that exits during the run (an idle pool connection closing) takes its CPU time
  // out of the sum: clamp so an idle group reads 0, not less
  const us = (k: keyof CpuSample) => Math.max(0, ((after[k] - before[k]) * 1e6) / txs);
  return { server: us("server"), redis: us("redis"), postgres: us("postgres"), loadGenerator: us("loadGenerator") };
}
