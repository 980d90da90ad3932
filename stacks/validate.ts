/**
 * Reading stack settings from Pulumi config, with every problem collected and reported at once.
 *
 * Each top-level config key of the project (`fraud-platform:network`, `fraud-platform:cluster`, ...)
 * is a YAML object in `Pulumi.<stack>.yaml`; a `SectionReader` walks one object with typed getters.
 * A getter that meets a bad or missing value records a `ConfigProblem` (the full key, the value
 * and what is allowed) and returns a placeholder so loading continues; `SettingsReader.finish()`
 * then throws one `ConfigError` listing every problem, so a user fixes the file in one pass.
 * Keys that no getter read are reported too: a typo such as `azcount` fails instead of being ignored.
 *
 * Usage (a new settings section, e.g. in stacks/workloads.ts):
 *
 *     export function loadWorkloadSettings(reader: SettingsReader): WorkloadSettings {
 *       const s = reader.section("workloads");
 *       return { apiReplicas: s.int("apiReplicas", { min: 1, max: 50 }) };
 *     }
 */

import { ConfigError, type ConfigProblem } from "../app/src/config/config-error";

type Raw = Record<string, unknown>;

export interface StringOptions {
  /** Used when the key is absent; without it the key is required. */
  readonly default?: string;
  readonly pattern?: RegExp;
  /** What `pattern` means, for the error message. */
  readonly describe?: string;
}

export interface IntOptions {
  readonly default?: number;
  readonly min: number;
  readonly max: number;
}

export interface ListOptions {
  readonly default?: readonly string[];
  /** Returns why an item is invalid, or undefined when it is fine. */
  readonly item?: (value: string) => string | undefined;
  readonly minItems?: number;
}

/** A typed view over one config object; create it with `SettingsReader.section`. */
export class SectionReader {
  private readonly read = new Set<string>();
  private readonly children: SectionReader[] = [];

  constructor(
    /** `fraud-platform:cluster` or `fraud-platform:cluster.nodes`. */
    readonly path: string,
    private readonly raw: Raw,
    private readonly problems: ConfigProblem[],
  ) {}

  /** The full key name of `key` inside this section, as error messages show it. */
  key(key: string): string {
    return `${this.path}.${key}`;
  }

  /** Records a problem found by a cross-field check (e.g. `minSize <= desiredSize`). */
  problem(key: string, value: unknown, allowed: string): void {
    this.problems.push({ key: this.key(key), value, allowed });
  }

  string(key: string, opts: StringOptions = {}): string {
    const value = this.get(key);
    if (value === undefined && opts.default !== undefined) return opts.default;
    if (typeof value !== "string" || value === "" || (opts.pattern && !opts.pattern.test(value))) {
      this.problem(key, value, opts.describe ?? (opts.pattern ? `a string matching ${opts.pattern}` : "a non-empty string"));
      return opts.default ?? "";
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const value = this.get(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      this.problem(key, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
      return fallback ?? allowed[0];
    }
    return value as T;
  }

  int(key: string, opts: IntOptions): number {
    let value = this.get(key);
    if (value === undefined && opts.default !== undefined) return opts.default;
    // Values set with `pulumi config set` (without --path) arrive as strings.
    if (typeof value === "string" && /^-?\d+$/.test(value)) value = Number(value);
    if (typeof value !== "number" || !Number.isInteger(value) || value < opts.min || value > opts.max) {
      this.problem(key, value, `an integer from ${opts.min} to ${opts.max}`);
      return opts.default ?? opts.min;
    }
    return value;
  }

  /** A finite number in [min, max] (e.g. a sampling ratio); strings of a number are accepted as `int` accepts them. */
  number(key: string, opts: IntOptions): number {
    let value = this.get(key);
    if (value === undefined && opts.default !== undefined) return opts.default;
    if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) value = Number(value);
    if (typeof value !== "number" || !Number.isFinite(value) || value < opts.min || value > opts.max) {
      this.problem(key, value, `a number from ${opts.min} to ${opts.max}`);
      return opts.default ?? opts.min;
    }
    return value;
  }

  /** An integer that must be one of a fixed set (e.g. CloudWatch log retention days). */
  intOneOf(key: string, allowed: readonly number[], fallback?: number): number {
    let value = this.get(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === "string" && /^\d+$/.test(value)) value = Number(value);
    if (typeof value !== "number" || !allowed.includes(value)) {
      this.problem(key, value, `one of ${allowed.join(", ")}`);
      return fallback ?? allowed[0];
    }
    return value;
  }

  bool(key: string, fallback?: boolean): boolean {
    let value = this.get(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === "true" || value === "false") value = value === "true";
    if (typeof value !== "boolean") {
      this.problem(key, value, "true or false");
      return fallback ?? false;
    }
    return value;
  }

  stringList(key: string, opts: ListOptions = {}): readonly string[] {
    const value = this.get(key);
    if (value === undefined && opts.default !== undefined) return opts.default;
    if (!Array.isArray(value) || value.length < (opts.minItems ?? 0)) {
      this.problem(key, value, `a list of ${opts.minItems ? `at least ${opts.minItems} ` : ""}strings`);
      return opts.default ?? [];
    }
    value.forEach((item, i) => {
      const why = typeof item !== "string" ? "a string" : opts.item?.(item);
      if (why) this.problem(`${key}[${i}]`, item, why);
    });
    return value.filter((v): v is string => typeof v === "string");
  }

  /** A nested object; an absent one reads as empty so its own getters report the missing keys. */
  section(key: string): SectionReader {
    const value = this.get(key);
    const child = new SectionReader(this.key(key), isObject(value) ? value : {}, this.problems);
    if (value !== undefined && !isObject(value)) this.problem(key, value, "an object");
    this.children.push(child);
    return child;
  }

  /** Keys present in the config that no getter asked for (typos, removed settings). */
  unknownKeys(): ConfigProblem[] {
    const known = [...this.read].join(", ");
    return [
      ...Object.keys(this.raw)
        .filter((k) => !this.read.has(k))
        .map((k) => ({ key: this.key(k), value: this.raw[k], allowed: `no such setting; known: ${known}` })),
      ...this.children.flatMap((c) => c.unknownKeys()),
    ];
  }

  private get(key: string): unknown {
    this.read.add(key);
    return this.raw[key];
  }
}

function isObject(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The project's config namespace. `get` returns the raw string Pulumi holds for a key (structured
 * values are JSON), so this works over `pulumi.Config` and over a plain map in tests.
 */
export class SettingsReader {
  private readonly problems: ConfigProblem[] = [];
  private readonly sections: SectionReader[] = [];

  constructor(
    readonly namespace: string,
    private readonly get: (key: string) => string | undefined,
  ) {}

  /** A top-level config object such as `fraud-platform:cluster`. */
  section(key: string): SectionReader {
    const text = this.get(key);
    let value: unknown;
    if (text !== undefined) {
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
    }
    const s = new SectionReader(`${this.namespace}:${key}`, isObject(value) ? value : {}, this.problems);
    if (value !== undefined && !isObject(value)) this.problems.push({ key: s.path, value, allowed: "an object" });
    if (value === undefined) this.problems.push({ key: s.path, value, allowed: "an object (the section is required)" });
    this.sections.push(s);
    return s;
  }

  /** Throws one `ConfigError` with every problem found, including keys nobody read. */
  finish(): void {
    const all = [...this.problems, ...this.sections.flatMap((s) => s.unknownKeys())];
    if (all.length > 0) throw new ConfigError(all, "stack configuration");
  }
}
