/**
 * Transactions scored degraded (the feature store unreachable) are observed into the store once
 * it answers again, oldest first. Without this an outage would be missing from card and merchant
 * history for the next 30 days, and a repeat of one of its transactions after the outage would
 * look new to the store: scored again, counted twice, answered with a decision other than the
 * stored one. Observing one the store had already recorded (its reply missed the deadline) is a
 * no-op there, by the store's idempotency.
 *
 * Bounded: past `capacity` the oldest are dropped (and counted). The decisions themselves are in
 * the decision log either way; what a drop loses is that transaction's share of the features.
 */
import type { FeatureStore, Transaction } from "../features/types";

/** Transactions per store call: one script call in Redis, so live requests wait behind at most one. */
const CHUNK = 100;

export interface FeatureBackfillOptions {
  readonly capacity: number;
  /** Called with how many were dropped to stay within capacity. */
  readonly onDrop: (n: number) => void;
  /** Called when a backfill call fails (the transactions stay queued for the next attempt). */
  readonly onError: (err: unknown) => void;
}

export class FeatureBackfill {
  /** By transactionId, in the order they were scored (a Map iterates in insertion order). */
  private readonly pending = new Map<string, Transaction>();
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly store: FeatureStore,
    private readonly opts: FeatureBackfillOptions,
  ) {
    if (!(opts.capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${opts.capacity}`);
  }

  get size(): number {
    return this.pending.size;
  }

  /** Whether `transactionId` was scored degraded and is not in the store yet. */
  has(transactionId: string): boolean {
    return this.pending.has(transactionId);
  }

  add(tx: Transaction): void {
    if (this.pending.size >= this.opts.capacity) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.opts.onDrop(1);
    }
    this.pending.set(tx.transactionId, tx);
  }

  /**
   * Observes everything pending, CHUNK at a time, oldest first; stops at the first failure (what
   * is left waits for the next call) or at `deadline` (epoch ms). Resolves with whether nothing is
   * left. Calls while one runs share it.
   */
  flush(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.running ??= this.run(deadline).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(deadline: number): Promise<boolean> {
    while (this.pending.size > 0 && Date.now() < deadline) {
      const chunk: Transaction[] = [];
      for (const tx of this.pending.values()) {
        chunk.push(tx);
        if (chunk.length === CHUNK) break;
      }
      try {
        await this.store.observeMany(chunk);
      } catch (err) {
        this.opts.onError(err);
        return false;
      }
      for (const tx of chunk) this.pending.delete(tx.transactionId);
    }
    return this.pending.size === 0;
  }
}
