/** A console client for tests: signs in, keeps the session cookie and CSRF token, calls the console's API. */
export interface ConsoleResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any;
}

export class ConsoleClient {
  cookie = "";
  csrfToken = "";

  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ConsoleResponse> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, json };
  }

  async login(user: string, password: string): Promise<ConsoleResponse> {
    const r = await this.call("POST", "/console/api/login", { user, password });
    const set = r.headers.get("set-cookie");
    if (r.status === 200 && set) {
      this.cookie = set.split(";")[0];
      this.csrfToken = (r.json as { csrfToken: string }).csrfToken;
    }
    return r;
  }

  /** `csrf` null: no X-CSRF-Token header. */
  label(id: string, body: unknown, csrf: string | null = this.csrfToken): Promise<ConsoleResponse> {
    return this.call("POST", `/console/api/decisions/${encodeURIComponent(id)}/label`, body, csrf === null ? {} : { "X-CSRF-Token": csrf });
  }
}
