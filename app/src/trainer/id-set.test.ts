import { describe, expect, it } from "vitest";
import { seededRandom } from "../testing/random";
import { RowIdSet } from "./id-set";

describe("RowIdSet", () => {
  it("answers as a Set of the ids would, over colliding and repeated ids", () => {
    const random = seededRandom(7);
    // few distinct ids in a small table: many repeats and probe chains
    const ids = Array.from({ length: 5000 }, () => `tx-${Math.floor(random() * 1500)}`);
    const set = new RowIdSet(ids, ids.length);
    const reference = new Set<string>();
    ids.forEach((id, row) => {
      expect(set.add(row)).toBe(!reference.has(id));
      reference.add(id);
    });
  });

  it("tells ids apart by content, including ones with equal hashes' slots and the empty id", () => {
    const ids = ["", "a", "", "b", "a", "ab", "ba", "ab"];
    const set = new RowIdSet(ids, ids.length);
    expect(ids.map((_, row) => set.add(row))).toEqual([true, true, false, true, false, true, true, false]);
  });
});
