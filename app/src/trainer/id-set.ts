/**
 * The transaction ids a feature pass has seen, as row indices in a fixed open-addressing table
 * (linear probing over FNV-1a hashes of the ids). A `Set<string>` of 1.8M ids grows and rehashes
 * as it fills and took ~1 µs an id, most of the replay's own time; this table is sized once for
 * every row of the data set and stores 4 bytes an id.
 */
export class RowIdSet {
  /** Row index + 1 of the id in each slot; 0 = empty. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** `ids`: the data set's id per row; room for `rows` distinct ids at most half full. */
  constructor(
    private readonly ids: readonly string[],
    rows: number,
  ) {
    let size = 1024;
    while (size < rows * 2) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Adds row `row`'s id; false when a row added before had the same id. */
  add(row: number): boolean {
    const id = this.ids[row]!;
    let h = 0x811c9dc5;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    for (let at = h & this.mask; ; at = (at + 1) & this.mask) {
      const s = this.slots[at]!;
      if (s === 0) {
        this.slots[at] = row + 1;
        return true;
      }
      if (this.ids[s - 1] === id) return false;
    }
  }
}
