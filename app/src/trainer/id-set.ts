/**
 * The transaction ids a feature pass has seen, as row indices in a fixed open-addressing table
 * (linear probing over FNV-1a hashes of the ids). A `Set<string>` of 1.8M ids grows and rehashes
 * as it fills and took ~1 µs an id, most of the replay's own time; this table is sized once for
 * every row of the data set (at most half full, two int32 a slot).
 */
export class RowIdSet {
  /**
   * Per slot, row index + 1 of its id (0 = empty) and the id's hash beside it: a probe compares
   * hashes in the cache line it already loaded and reads another row's string only on a match
   * (comparing strings on every occupied slot cost a cache miss each).
   */
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** `ids`: the data set's id per row; room for `rows` distinct ids at most half full. */
  constructor(
    private readonly ids: readonly string[],
    rows: number,
  ) {
    let size = 1024;
    while (size < rows * 2) size *= 2;
    this.slots = new Int32Array(2 * size);
    this.mask = size - 1;
  }

  /** Adds row `row`'s id; false when a row added before had the same id. */
  add(row: number): boolean {
    const id = this.ids[row]!;
    let h = 0x811c9dc5 | 0; // int32, as the table stores it (the empty id hashes to this)
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    const slots = this.slots;
    for (let at = h & this.mask; ; at = (at + 1) & this.mask) {
      const s = slots[2 * at]!;
      if (s === 0) {
        slots[2 * at] = row + 1;
        slots[2 * at + 1] = h;
        return true;
      }
      if (slots[2 * at + 1] === h && this.ids[s - 1] === id) return false;
    }
  }
}
