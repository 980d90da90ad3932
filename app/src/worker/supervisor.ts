/**
 * Keeps the stream consuming through Kafka outages. A broker that does not answer (MSK still
 * creating, a wrong listener, a version the client refuses) is retried with a capped backoff
 * instead of exiting: the pod stays alive, serves /healthz, and /readyz says why it is not
 * consuming. A crash-looping pod would show nothing but its restart count.
 */
import type { Logger } from "../serving/log";
import { errorFields, errorSummary } from "./error-causes";

export type StreamState = { readonly consuming: true } | { readonly consuming: false; readonly reason: string };

export interface SupervisorOptions {
  /** First reconnect delay; doubles up to `maxRetryMs`, and starts over once consuming. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
}

export const DEFAULT_SUPERVISOR_OPTIONS: SupervisorOptions = { retryMs: 1000, maxRetryMs: 30_000 };

export class StreamSupervisor {
  private current: StreamState;
  private stopping = false;
  private wake: (() => void) | undefined;

  /** `run` consumes until stopped (resolves) or until the connection fails (rejects). */
  constructor(
    private readonly run: () => Promise<void>,
    brokers: readonly string[],
    private readonly log: Logger,
    private readonly opts: SupervisorOptions = DEFAULT_SUPERVISOR_OPTIONS,
  ) {
    this.current = { consuming: false, reason: `connecting to ${brokers.join(",")}: no answer yet` };
  }

  get state(): StreamState {
    return this.current;
  }

  /** The consumer joined its group and reads: the adapter calls this. */
  consuming(): void {
    this.current = { consuming: true };
  }

  /** Runs `run` again after each failure until `stop`; resolves once a run ends after `stop`. */
  async start(): Promise<void> {
    let delay = this.opts.retryMs;
    while (!this.stopping) {
      try {
        await this.run();
        return;
      } catch (err) {
        if (this.stopping) return;
        // a failure after a good stretch is a new outage, not the next step of the old one
        if (this.current.consuming) delay = this.opts.retryMs;
        this.current = { consuming: false, reason: `${errorSummary(err)} (reconnecting in ${delay} ms)` };
        this.log.error("stream: Kafka failed; reconnecting", { ...errorFields(err), retryInMs: delay });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        delay = Math.min(this.opts.maxRetryMs, delay * 2);
      }
    }
  }

  /** No reconnect after this; a wait for the next attempt ends now. */
  stop(): void {
    this.stopping = true;
    this.current = { consuming: false, reason: "stopping" };
    this.wake?.();
  }
}
