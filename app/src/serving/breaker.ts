/**
 * A circuit breaker for a dependency on the hot path (the feature store, the decision log's
 * lookups): after a failure it stays open for `openMs`, and callers skip the dependency instead of
 * waiting for its timeout once per request. A half-open probe is not needed: the first call after
 * `openMs` is the probe, and a failure opens it again.
 */
export class CircuitBreaker {
  private openUntil = 0;

  constructor(readonly openMs: number) {}

  /** Whether callers should skip the dependency now. */
  get open(): boolean {
    return Date.now() < this.openUntil;
  }

  /** Records a failure; true when it opened the breaker (the first failure of an outage). */
  trip(): boolean {
    const opened = !this.open;
    if (opened) this.openUntil = Date.now() + this.openMs;
    return opened;
  }
}
