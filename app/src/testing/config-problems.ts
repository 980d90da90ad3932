import { ConfigError } from "../config/env-reader";

/** The problems a settings loader reports; fails the test when it throws nothing or something else. */
export function configProblems(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("no ConfigError");
}
