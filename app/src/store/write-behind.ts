/**
 * A bounded write-behind queue: the one mechanism that batches decision writes for throughput and
 * buffers them while the database is unreachable. Items stay readable by key until written, so a
 * decision is visible to GET and to idempotent re-scoring before it reaches PostgreSQL.
 *
 * Capacity is reserved before work starts (`reserve`), so a request that cannot be buffered is
 * refused before it changes anything (no feature-store update without a stored decision).
 */

export interface WriteBehindOptions<T> {
  /** Items held at most (queued + being written + reserved). */
  readonly capacity: number;
  /** Rows per write. */
  readonly batchSize: number;
  /** How long a partial batch waits for company before it is written. */
  readonly lingerMs: number;
  /** Writes in flight at once. */
  readonly concurrency: number;
  /** Backoff after a failed write: doubles from min to max. */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly key: (item: T) => string;
  /** Persists a batch; must be idempotent (a batch is retried whole after a failure). */
  readonly write: (batch: readonly T[]) => Promise<void>;
  /** Called on the first failure of a run of failures, and when writes recover. */
  readonly onStateChange?: (healthy: boolean, err?: unknown) => void;
}

export class WriteBehindQueue<T> {
  /** Every item not yet written, by key: the queued ones and those in flight. */
  private readonly pending = new Map<string, T>();
  private queued: T[] = [];
  private reserved = 0;
  private flights = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private retryAt = 0;
  private draining = false;

  constructor(private readonly opts: WriteBehindOptions<T>) {}

  get size(): number {
    return this.pending.size;
  }

  /** Whether the last write failed (and the queue is retrying). */
  get failing(): boolean {
    return this.failures > 0;
  }

  /** Claims room for `n` items; false when the queue is full. */
  reserve(n: number): boolean {
    if (this.pending.size + this.reserved + n > this.opts.capacity) return false;
    this.reserved += n;
    return true;
  }

  /** Gives back room claimed by `reserve` that will not be used. */
  release(n: number): void {
    this.reserved = Math.max(0, this.reserved - n);
  }

  /** Adds an item into room claimed by `reserve`. A key already pending is kept as it was. */
  push(item: T): void {
    this.release(1);
    const key = this.opts.key(item);
    if (this.pending.has(key)) return;
    this.pending.set(key, item);
    this.queued.push(item);
    this.schedule();
  }

  get(key: string): T | undefined {
    return this.pending.get(key);
  }

  /**
   * Writes everything, retrying until `deadline` (epoch ms). Resolves with what could not be
   * written (empty when all went through).
   */
  async drain(deadline: number): Promise<T[]> {
    this.draining = true;
    this.schedule();
    while (this.pending.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      this.schedule();
    }
    return [...this.pending.values()];
  }

  /** Stops timers; items still pending stay readable (call drain first to write them). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.queued.length === 0 || this.flights >= this.opts.concurrency) return;
    const now = Date.now();
    if (now < this.retryAt) return this.arm(this.retryAt - now);
    if (this.queued.length >= this.opts.batchSize || this.draining) {
      this.flushOne();
      if (this.queued.length > 0) this.schedule();
      return;
    }
    this.arm(this.opts.lingerMs);
  }

  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.queued.length > 0 && this.flights < this.opts.concurrency && Date.now() >= this.retryAt) this.flushOne();
      this.schedule();
    }, ms);
    this.timer.unref();
  }

  private flushOne(): void {
    const batch = this.queued.length <= this.opts.batchSize ? this.queued : this.queued.slice(0, this.opts.batchSize);
    this.queued = batch === this.queued ? [] : this.queued.slice(this.opts.batchSize);
    this.flights++;
    this.opts
      .write(batch)
      .then(
        () => {
          for (const item of batch) this.pending.delete(this.opts.key(item));
          if (this.failures > 0) this.opts.onStateChange?.(true);
          this.failures = 0;
          this.retryAt = 0;
        },
        (err: unknown) => {
          // Back to the front: order is not a contract, but older decisions should not starve.
          this.queued = batch.concat(this.queued);
          if (this.failures === 0) this.opts.onStateChange?.(false, err);
          this.failures++;
          const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryMinMs * 2 ** (this.failures - 1));
          this.retryAt = Date.now() + backoff;
        },
      )
      .finally(() => {
        this.flights--;
        this.schedule();
      });
  }
}
