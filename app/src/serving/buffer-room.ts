/**
 * Room in the decision log's write-behind buffer, held as a value. A request claims room before it
 * changes anything (so a full buffer refuses it before the feature store counts it) and holds it
 * until its decision is appended or it gives up. `using` is the one place room is given back: every
 * path that holds room runs inside it, so an early return or a throw cannot leak a slot.
 */
import type { DecisionRecord } from "../store/decision-record";

/** What the decision log offers for room: `append` uses one reserved slot. */
export interface DecisionBuffer {
  reserve(n: number): boolean;
  release(n: number): void;
  append(decision: DecisionRecord): void;
}

export class BufferRoom {
  private constructor(
    private readonly buffer: DecisionBuffer,
    private left: number,
  ) {}

  /** Room for `n` decisions, all or none: undefined when the buffer cannot take `n` more. */
  static claim(buffer: DecisionBuffer, n: number): BufferRoom | undefined {
    return buffer.reserve(n) ? new BufferRoom(buffer, n) : undefined;
  }

  /** Room for one decision, moved out of this one (a batch's room handed to each transaction). */
  take(): BufferRoom {
    if (this.left <= 0) throw new Error("no room left in this reservation");
    this.left--;
    return new BufferRoom(this.buffer, 1);
  }

  /** Records `decision` into one slot of this room. */
  append(decision: DecisionRecord): void {
    if (this.left <= 0) throw new Error("no room left in this reservation");
    this.left--;
    this.buffer.append(decision);
  }

  /** Gives back what was not used. Idempotent. */
  release(): void {
    if (this.left > 0) this.buffer.release(this.left);
    this.left = 0;
  }
}

/** `fn(room)`, then what it left of `room` given back, whatever `fn` did. */
export function using<T>(room: BufferRoom, fn: (room: BufferRoom) => T): T {
  try {
    return fn(room);
  } finally {
    room.release();
  }
}
