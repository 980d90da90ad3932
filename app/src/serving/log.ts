/**
 * One JSON line per event on stderr (stdout stays free for CLI output). Kubernetes log collectors
 * parse JSON lines; a level below LOG_LEVEL costs one integer comparison.
 */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LOG_LEVELS.indexOf(level);
  const at =
    (lvl: LogLevel) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LOG_LEVELS.indexOf(lvl) < min) return;
      write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }) + "\n");
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** For tests and tools that must stay quiet. */
export const silentLogger: Logger = createLogger("error", () => undefined);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
