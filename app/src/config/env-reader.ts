/**
 * Reading settings from environment variables: every problem is collected and reported at once,
 * with the variable name, so a misconfigured pod fails at start with one readable message.
 * Shared by the API, the stream worker and the trainer.
 */

import { ConfigError } from "./config-error";

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads env values and collects problems instead of throwing at the first. */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  str(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  int(name: string, def: number, min: number, max: number): number {
    const raw = this.str(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected an integer in [${min}, ${max}]`);
      return def;
    }
    return n;
  }

  num(name: string, min: number, max: number): number | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push(`${name}=${JSON.stringify(raw)}: expected a number in [${min}, ${max}]`);
      return undefined;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const raw = this.str(name)?.toLowerCase();
    if (raw === undefined) return def;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    this.problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return def;
  }

  done(): void {
    if (this.problems.length) throw new ConfigError(this.problems, "configuration in the environment");
  }
}
