/**
 * Open-loop load for the fault suite: `rate` scoring requests per second whatever the answers take
 * (a closed loop would slow down with the API and hide an outage's cost). One in ten repeats a
 * transaction already answered 200, to check it gets the decision first answered.
 */
import { Agent, request } from "node:http";

export interface Answer {
  readonly decision: string;
  readonly score: number;
  readonly modelVersion: string;
}

export interface PhaseCounts {
  requests: number;
  ok: number;
  client: number;
  server: number;
  unavailable: number;
  /** Of `unavailable`, repeats: a transaction answered before whose decision could not be read (PostgreSQL down). */
  repeatsUnavailable: number;
  /** No HTTP answer: connection refused or reset, or no answer within the client timeout. */
  failed: number;
  repeats: number;
  repeatsConsistent: number;
  /** Transactions first answered 200 in this phase. */
  readonly answered: string[];
  readonly problems: string[];
}

const REQUEST_TIMEOUT_MS = 10_000;

export function emptyCounts(): PhaseCounts {
  return {
    requests: 0,
    ok: 0,
    client: 0,
    server: 0,
    unavailable: 0,
    repeatsUnavailable: 0,
    failed: 0,
    repeats: 0,
    repeatsConsistent: 0,
    answered: [],
    problems: [],
  };
}

let sequence = 0;
function transaction(): Record<string, unknown> {
  sequence++;
  return {
    transactionId: `fault-${process.pid}-${sequence}`,
    timestamp: new Date(Date.now() - 1000).toISOString(),
    cardId: `card-${sequence % 500}`,
    merchantId: `merchant-${sequence % 50}`,
    amount: 5 + (sequence % 400),
    currency: "EUR",
    merchantCategory: "5411",
    country: "FR",
    channel: "ecom",
  };
}

export class Load {
  /** Every transaction answered 200, with its first answer. */
  readonly answers = new Map<string, { body: Record<string, unknown>; answer: Answer }>();
  counts = emptyCounts();
  /** Where requests go; the suite moves it to another API process during a rollout. */
  port: number;
  private timer: NodeJS.Timeout | undefined;
  private pending = new Set<Promise<void>>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly answeredIds: string[] = [];
  private sent = 0;

  constructor(
    port: number,
    private readonly apiKey: string,
    private readonly rate: number,
  ) {
    this.port = port;
  }

  start(): void {
    const tickMs = 10;
    let due = 0;
    const started = Date.now();
    let sent = 0;
    this.timer = setInterval(() => {
      due = Math.floor(((Date.now() - started) * this.rate) / 1000);
      for (; sent < due; sent++) this.track(this.one());
    }, tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }

  /** The counts since the last call, and a fresh set for the next phase. */
  take(): PhaseCounts {
    const c = this.counts;
    this.counts = emptyCounts();
    return c;
  }

  close(): void {
    this.agent.destroy();
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async one(): Promise<void> {
    const repeatOf =
      this.answeredIds.length > 0 && ++this.sent % 10 === 0
        ? this.answeredIds[Math.floor(Math.random() * this.answeredIds.length)]
        : undefined;
    const body = repeatOf ? this.answers.get(repeatOf)!.body : transaction();
    const c = this.counts;
    c.requests++;
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.post(JSON.stringify(body)));
    } catch (err) {
      c.failed++;
      if (c.problems.length < 5) c.problems.push(`no answer: ${(err as Error).message}`);
      return;
    }
    if (status >= 200 && status < 300) c.ok++;
    else if (status === 503) {
      c.unavailable++;
      if (repeatOf) c.repeatsUnavailable++;
    } else if (status >= 500) c.server++;
    else c.client++;
    // a repeat's 503 is the documented answer while its decision cannot be read
    if (status >= 300 && !(status === 503 && repeatOf) && c.problems.length < 5) c.problems.push(`${status}: ${text.slice(0, 200)}`);
    if (status !== 200) return;
    const got = JSON.parse(text) as Answer;
    const id = String(body.transactionId);
    if (repeatOf) {
      c.repeats++;
      const first = this.answers.get(id)!.answer;
      if (first.decision === got.decision && first.score === got.score && first.modelVersion === got.modelVersion) c.repeatsConsistent++;
      else if (c.problems.length < 5) c.problems.push(`repeat of ${id}: first ${JSON.stringify(first)}, now ${JSON.stringify(got)}`);
      return;
    }
    this.answers.set(id, { body, answer: { decision: got.decision, score: got.score, modelVersion: got.modelVersion } });
    this.answeredIds.push(id);
    c.answered.push(id);
  }

  private post(payload: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          path: "/v1/score",
          method: "POST",
          agent: this.agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: { "Content-Type": "application/json", "X-API-Key": this.apiKey, "Content-Length": Buffer.byteLength(payload) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}
