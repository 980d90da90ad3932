/**
 * Settings that cannot be used, every problem listed at once so that one pass fixes them all.
 * Thrown by the Pulumi program's stack settings reader (stacks/validate.ts: one `ConfigProblem` per
 * key) and by the app's environment reader (env-reader.ts: one sentence per problem, naming the
 * variable, since some problems concern two variables at once). It sits in config/, which imports
 * nothing, so the program and the app share it as they share deploy-contract.ts.
 */

/** One invalid config value: `key` is the full path as a user would `pulumi config set --path` it. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: unknown;
  readonly allowed: string;
}

export class ConfigError<P extends ConfigProblem | string = ConfigProblem | string> extends Error {
  /** `what` names the settings in the first line of the message, e.g. "stack configuration". */
  constructor(
    readonly problems: readonly P[],
    what = "configuration",
  ) {
    super(
      `Invalid ${what} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${problemText(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

function problemText(p: ConfigProblem | string): string {
  return typeof p === "string" ? p : `${p.key} = ${p.value === undefined ? "(not set)" : JSON.stringify(p.value)}: expected ${p.allowed}`;
}
