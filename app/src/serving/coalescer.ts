/**
 * Collects the single requests of one event-loop turn and hands them over together when the turn
 * ends (setImmediate: before the loop waits for I/O again, so no timer and no added wait), or as
 * soon as `max` are waiting. One feature-store call then serves them all.
 */
export class TurnCoalescer<T> {
  private turn: T[] = [];

  constructor(
    private readonly max: number,
    private readonly flushTo: (items: T[]) => void,
  ) {}

  add(item: T): void {
    if (this.turn.length === 0) setImmediate(this.flush);
    this.turn.push(item);
    if (this.turn.length >= this.max) this.flush();
  }

  /** Hands over what is waiting now (nothing when empty). */
  readonly flush = (): void => {
    if (this.turn.length === 0) return;
    const items = this.turn;
    this.turn = [];
    this.flushTo(items);
  };
}
