/**
 * What went wrong under an error, for logs and readiness. @platformatic/kafka reports a failure as
 * an outer message ("findGroupCoordinator failed 4 times.") over nested `errors[]` (one per retry
 * or broker) and `cause`s: the reason an operator can act on (ECONNREFUSED, the broker's
 * UNSUPPORTED_VERSION, an authentication failure) is only in the nesting.
 */

/** At most this many distinct causes: a broker list times retries must not flood one log line. */
const MAX_CAUSES = 20;

interface Nested {
  readonly message?: unknown;
  readonly code?: unknown;
  /** @platformatic/kafka's ProtocolError: the broker's error name (e.g. UNSUPPORTED_VERSION). */
  readonly apiId?: unknown;
  readonly serverErrorMessage?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

function label(err: unknown): string {
  if (typeof err !== "object" || err === null) return String(err);
  const e = err as Nested;
  const name = typeof e.apiId === "string" ? e.apiId : typeof e.code === "string" || typeof e.code === "number" ? String(e.code) : "";
  const server = typeof e.serverErrorMessage === "string" && e.serverErrorMessage ? ` (broker: ${e.serverErrorMessage})` : "";
  const message = typeof e.message === "string" ? e.message : String(err);
  return `${name ? `${name}: ` : ""}${message}${server}`;
}

/**
 * The nested errors and causes under `err` (not `err` itself), depth first, each as
 * "CODE: message"; a cause repeated by retries appears once with its count ("... (x4)").
 */
export function errorCauses(err: unknown): string[] {
  const counts = new Map<string, number>();
  const seen = new Set<object>();
  const visit = (e: unknown, depth: number): void => {
    if (depth > 0) {
      const text = label(e);
      if (counts.size < MAX_CAUSES || counts.has(text)) counts.set(text, (counts.get(text) ?? 0) + 1);
    }
    if (typeof e !== "object" || e === null || seen.has(e)) return;
    seen.add(e);
    const { errors, cause } = e as Nested;
    if (Array.isArray(errors)) for (const inner of errors as unknown[]) visit(inner, depth + 1);
    if (cause !== undefined) visit(cause, depth + 1);
  };
  visit(err, 0);
  return [...counts].map(([text, n]) => (n > 1 ? `${text} (x${n})` : text));
}

/** Log fields for an error: its own message and, when there are any, its causes. */
export function errorFields(err: unknown): { error: string; causes?: string[] } {
  const causes = errorCauses(err);
  return { error: err instanceof Error ? err.message : String(err), ...(causes.length ? { causes } : {}) };
}

/** One line: the message and its causes, for a readiness answer. */
export function errorSummary(err: unknown): string {
  const { error, causes } = errorFields(err);
  return causes ? `${error} <- ${causes.join("; ")}` : error;
}
