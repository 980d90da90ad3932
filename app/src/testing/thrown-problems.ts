/**
 * The `problems` of the `type` error that `fn` throws (ConfigError, ValidationError); fails the test
 * when it throws nothing or something else.
 */
export function thrownProblems<P>(
  type: new (...args: never[]) => Error & { readonly problems: readonly P[] },
  fn: () => unknown,
): readonly P[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err.problems;
    throw err;
  }
  throw new Error(`no ${type.name}`);
}
