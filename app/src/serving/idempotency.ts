/**
 * Idempotency: a transactionId is scored once. A second request for it gets the stored decision:
 * from the in-flight map when the first is still running in this process, from the write-behind
 * buffer, or from PostgreSQL. PostgreSQL is asked for every feature-store call's ids, at the same
 * time as the store (one query per call, no added round trip): Redis restarted without its data, or
 * evicting, calls a repeat fresh, and only the decision log still knows it. When the store reports
 * a duplicate the log does not hold yet, the lookup waits briefly for a first request still in
 * flight on another replica. While the log fails, the lookup is skipped (as the store is, see
 * scoring.ts): a repeat is then recognised by the store alone.
 */
import type { Transaction } from "../features/types";
import type { DecisionLog } from "../store/decision-log";
import type { DecisionRecord } from "../store/decision-record";
import type { FeatureBackfill } from "./backfill";
import { CircuitBreaker } from "./breaker";
import { withTimeout } from "./deadline";
import { errorMessage } from "./log";
import { UnavailableError } from "./unavailable";

/** How long a duplicate waits for the first request's decision (written behind by another replica). */
const DUPLICATE_WAIT_MS = 3000;

export type Decided = DecisionRecord | Promise<DecisionRecord>;

export class PriorDecisions {
  private readonly inflight = new Map<string, Promise<DecisionRecord>>();
  private readonly logBreaker: CircuitBreaker;

  constructor(
    private readonly decisions: DecisionLog,
    private readonly backfill: FeatureBackfill | undefined,
    breakerMs: number,
  ) {
    this.logBreaker = new CircuitBreaker(breakerMs);
  }

  /** The decision of a transaction this process is scoring or remembers, if any (no database round trip, except below). */
  known(id: string): Promise<DecisionRecord> | undefined {
    const running = this.inflight.get(id);
    if (running) return running;
    const remembered = this.decisions.getInMemory(id);
    if (remembered) return Promise.resolve(remembered);
    // scored degraded and not in the feature store yet, so the store would call it new: its
    // decision is written (or still buffered) in the decision log
    if (this.backfill?.has(id)) {
      return this.decisions.get(id).then(
        (stored) => stored ?? Promise.reject(new UnavailableError("the first decision for this transactionId is not readable yet", 1)),
        (err: unknown) =>
          Promise.reject(new UnavailableError(`transaction scored before; its decision cannot be read now: ${errorMessage(err)}`, 1)),
      );
    }
    return undefined;
  }

  /** Marks `id` as being scored: a repeat gets `decision` until `settle`. */
  track(id: string, decision: Promise<DecisionRecord>): void {
    this.inflight.set(id, decision);
  }

  /** Ends `id`'s in-flight entry once `decided` is final. */
  settle(id: string, decided: Decided): void {
    const clear = () => this.inflight.delete(id);
    if (decided instanceof Promise) decided.then(clear, clear);
    else clear();
  }

  /**
   * The decisions already stored for `txs`, by id; only those in the decision log's memory when
   * PostgreSQL fails or misses `deadlineMs`. Not asked while its writes fail, nor for a while after
   * it missed the deadline: PostgreSQL is then unreachable or slow, and waiting on it per call
   * would add its timeout to every request of the outage (a failure that comes at once costs nothing).
   */
  stored(txs: readonly Transaction[], deadlineMs: number): Promise<Map<string, DecisionRecord> | undefined> {
    if (this.logBreaker.open || this.decisions.failing) return Promise.resolve(this.inMemory(txs));
    const ids = txs.map((t) => t.transactionId);
    const lookup = this.decisions.getMany(ids).catch(() => this.inMemory(txs));
    return withTimeout(lookup, deadlineMs, "decision log").catch(() => {
      this.logBreaker.trip();
      return this.inMemory(txs);
    });
  }

  /**
   * The decision of a transaction the feature store has seen before, waiting briefly for another
   * replica still writing it; undefined when none was ever written (that process died). Unreadable
   * (PostgreSQL down or hung): scoring it again could answer differently, and this process cannot
   * tell; the client retries (the stored decision is answered once readable).
   */
  duplicate(id: string): Promise<DecisionRecord | undefined> {
    return withTimeout(this.decisions.getEventually(id, DUPLICATE_WAIT_MS), DUPLICATE_WAIT_MS, "decision log").catch((err: unknown) => {
      throw new UnavailableError(`transaction scored before; its decision cannot be read now: ${errorMessage(err)}`, 1);
    });
  }

  /** What the decision log holds in memory of `txs` (its buffer and recent writes): all it can say without PostgreSQL. */
  private inMemory(txs: readonly Transaction[]): Map<string, DecisionRecord> | undefined {
    let found: Map<string, DecisionRecord> | undefined;
    for (const t of txs) {
      const d = this.decisions.getInMemory(t.transactionId);
      if (d) (found ??= new Map()).set(t.transactionId, d);
    }
    return found;
  }
}
