import { describe, expect, it } from "vitest";
import type { DecisionRecord } from "../store/decision-record";
import { BufferRoom, type DecisionBuffer, using } from "./buffer-room";

/** A buffer counting reserved slots and appended decisions. */
function buffer(capacity: number) {
  const b = {
    reserved: 0,
    appended: 0,
    reserve(n: number) {
      if (b.reserved + b.appended + n > capacity) return false;
      b.reserved += n;
      return true;
    },
    release(n: number) {
      b.reserved -= n;
    },
    append() {
      b.reserved--;
      b.appended++;
    },
  };
  return b satisfies DecisionBuffer;
}
const decision = {} as DecisionRecord;

describe("BufferRoom", () => {
  it("claims all or nothing", () => {
    const b = buffer(3);
    expect(BufferRoom.claim(b, 4)).toBeUndefined();
    expect(b.reserved).toBe(0);
    expect(BufferRoom.claim(b, 3)).toBeDefined();
    expect(b.reserved).toBe(3);
  });

  it("gives back what was not appended when `using` ends, also on a throw", () => {
    const b = buffer(10);
    const room = BufferRoom.claim(b, 3)!;
    expect(() =>
      using(room, (r) => {
        r.append(decision);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(b).toMatchObject({ reserved: 0, appended: 1 });
    room.release();
    expect(b.reserved).toBe(0);
  });

  it("moves one slot out per take, and refuses to append past what it holds", () => {
    const b = buffer(10);
    const batch = BufferRoom.claim(b, 2)!;
    const one = batch.take();
    using(batch, () => undefined);
    expect(b.reserved).toBe(1);
    one.append(decision);
    expect(() => one.append(decision)).toThrow("no room left");
    expect(() => batch.take()).toThrow("no room left");
    expect(b).toMatchObject({ reserved: 0, appended: 1 });
  });
});
