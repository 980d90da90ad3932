/**
 * One JSON line per event on stderr (stdout stays free for CLI output), written by pino, the
 * logger Fastify uses too: {"level":"info","time":"<ISO 8601>","service":"api","version":"0.1.0",
 * "msg":"...", ...fields}. Kubernetes log collectors parse JSON lines; `msg` and `level` are what
 * docs/runbook.md and replay-decisions (msg "decision not written") read.
 *
 * Fields every line of a scope should carry (a request's trace id, the model version) go on a
 * child logger (`log.child({traceId})`), or, for values read at each line, in `mixin`.
 */
import pino, { type Logger as PinoLogger } from "pino";
import { version } from "../../../package.json";
import { activeTraceIds } from "../telemetry/tracing";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `bindings`. */
  child(bindings: Record<string, unknown>): Logger;
  /** The pino logger underneath (for Fastify's `loggerInstance`). */
  readonly pino: PinoLogger;
}

export interface LoggerOptions {
  /** The `service` field: api, worker, trainer, migrate... */
  readonly service?: string;
  /** Where lines go (tests); default stderr, written synchronously so a line logged just before exit is not lost. */
  readonly write?: (line: string) => void;
  /** The `version` field; default package.json's (entry points pass the image's, telemetry/version.ts). */
  readonly version?: string;
  /** Fields added to every line, read when the line is written. */
  readonly mixin?: () => Record<string, unknown>;
}

function wrap(p: PinoLogger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrap(p.child(bindings)),
    pino: p,
  };
}

export function createLogger(level: LogLevel, options: LoggerOptions | ((line: string) => void) = {}): Logger {
  const o: LoggerOptions = typeof options === "function" ? { write: options } : options;
  const write = o.write;
  const destination = write ? { write } : pino.destination({ dest: 2, sync: true });
  return wrap(
    pino(
      {
        level,
        base: { service: o.service ?? "fraud", version: o.version ?? version },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // the active span's traceId and spanId (tracing on), on every line of every process
        mixin: o.mixin ? () => ({ ...activeTraceIds(), ...o.mixin!() }) : activeTraceIds,
      },
      destination,
    ),
  );
}

/** For tests and tools that must stay quiet. */
export const silentLogger: Logger = wrap(pino({ level: "silent" }));

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
