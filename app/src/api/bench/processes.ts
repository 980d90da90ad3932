/** The processes the bench starts: waiting for what they print, and stopping them. */

import type { ChildProcess } from "node:child_process";

export function waitForLine(
  child: ChildProcess,
  stream: "stdout" | "stderr",
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolvePromise, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output:\n${buf.slice(-2000)}`)), timeoutMs);
    child[stream]!.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      const m = pattern.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolvePromise(m);
      }
    });
    child.once("exit", (code) => reject(new Error(`process exited (${code}) before ${pattern}; output:\n${buf.slice(-2000)}`)));
  });
}

export async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill("SIGTERM");
  return exited;
}
