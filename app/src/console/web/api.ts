/** The console's calls to its server: JSON in and out, the session's CSRF token on every POST. */
export interface SessionInfo {
  readonly user: string;
  readonly role: "analyst" | "viewer";
  readonly expires: string;
  readonly csrfToken: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let session: SessionInfo | undefined;

export function currentSession(): SessionInfo | undefined {
  return session;
}

export function setSession(s: SessionInfo | undefined): void {
  session = s;
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST" && session) headers["X-CSRF-Token"] = session.csrfToken;
  let res: Response;
  try {
    res = await fetch(`/console/api${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "The server did not answer. Check your connection and try again.");
  }
  const json = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (res.status === 401 && path !== "/login" && path !== "/session") window.dispatchEvent(new Event("console:unauthorized"));
  if (!res.ok) throw new ApiError(res.status, json.error ?? "error", json.message ?? `HTTP ${res.status}`);
  return json as T;
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => call<T>("POST", path, body);
