/**
 * A progress bar for long steps, drawn on stderr only when stderr is a terminal (so logs, pipes
 * and `--json` output on stdout stay clean). Redraws at most ten times a second.
 */
export interface Progress {
  update(done: number): void;
  finish(): void;
}

const NOOP: Progress = { update: () => undefined, finish: () => undefined };

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return NOOP;
  const started = performance.now();
  let last = 0;
  let drawn = false;
  const draw = (done: number): void => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 40));
    const share = Math.min(1, done / total);
    const filled = Math.round(share * width);
    const secs = (performance.now() - started) / 1000;
    stream.write(
      `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(100 * share).toFixed(0).padStart(3)}% ${secs.toFixed(1)}s`,
    );
    drawn = true;
  };
  return {
    update(done) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish() {
      draw(total);
      if (drawn) stream.write("\n");
    },
  };
}
