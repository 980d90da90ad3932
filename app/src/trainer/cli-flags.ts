/** The trainer CLI's flags and how a command reads them. */
import { ENV } from "../config/deploy-contract";
import { secretsManagerReader } from "../config/secrets";
import { trainerDatabase, type SourceArgs } from "./sources";

export const FLAGS = {
  days: { type: "string" },
  cards: { type: "string" },
  merchants: { type: "string" },
  seed: { type: "string" },
  out: { type: "string" },
  "start-date": { type: "string" },
  "drift-from-day": { type: "string" },
  "drift-amount-factor": { type: "string" },
  "drift-new-merchants": { type: "string" },
  "drift-compromised-cards": { type: "string" },
  data: { type: "string" },
  source: { type: "string" },
  "database-url": { type: "string" },
  "pg-schema": { type: "string" },
  registry: { type: "string" },
  "train-start": { type: "string" },
  "train-end": { type: "string" },
  "delay-days": { type: "string" },
  "test-start": { type: "string" },
  "test-end": { type: "string" },
  timezone: { type: "string" },
  "max-bad-share": { type: "string" },
  rounds: { type: "string" },
  "max-depth": { type: "string" },
  eta: { type: "string" },
  tuning: { type: "string" },
  "gate-metric": { type: "string" },
  "gate-margin": { type: "string" },
  version: { type: "string" },
  model: { type: "string" },
  reason: { type: "string" },
  "report-dir": { type: "string" },
  json: { type: "boolean" },
  mode: { type: "string" },
  share: { type: "string" },
  clear: { type: "boolean" },
  since: { type: "string" },
  "since-days": { type: "string" },
  until: { type: "string" },
  resamples: { type: "string" },
  help: { type: "boolean" },
} as const;

export type Values = Partial<Record<keyof typeof FLAGS, string | boolean>>;

export class UsageError extends Error {}

export function str(v: Values, k: keyof typeof FLAGS, required = false): string | undefined {
  const x = v[k];
  if (x === undefined || x === true || x === false) {
    if (required) throw new UsageError(`--${k} is required`);
    return undefined;
  }
  return x;
}

export function num(v: Values, k: keyof typeof FLAGS, fallback?: number, integer = false): number {
  const s = str(v, k);
  if (s === undefined) {
    if (fallback === undefined) throw new UsageError(`--${k} is required`);
    return fallback;
  }
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${k} must be ${integer ? "an integer" : "a number"}, got ${JSON.stringify(s)}`);
  }
  return n;
}

export function registryUri(v: Values): string {
  return str(v, "registry") ?? process.env[ENV.modelRegistry] ?? "./registry";
}

export function sourceArgs(v: Values): SourceArgs {
  const source = str(v, "source") ?? "csv";
  if (source !== "csv" && source !== "postgres") throw new UsageError(`--source must be csv or postgres, got ${source}`);
  const maxBadShare = num(v, "max-bad-share", 0.001);
  if (!(maxBadShare >= 0 && maxBadShare <= 1)) throw new UsageError("--max-bad-share must be in [0, 1]");
  return {
    source,
    data: str(v, "data"),
    database: source === "postgres" ? trainerDatabase(process.env, str(v, "database-url")) : undefined,
    readSecret: secretsManagerReader(process.env[ENV.awsRegion]?.trim() || undefined),
    schema: str(v, "pg-schema"),
    maxBadShare,
  };
}
