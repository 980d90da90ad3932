import { MemoryFeatureStore } from "../features/memory-store";
import type { ObserveResult, Transaction } from "../features/types";

/** A memory store that records each `observeMany` call's transaction ids; `fail` makes calls reject. */
export class RecordingStore extends MemoryFeatureStore {
  readonly calls: string[][] = [];
  fail = false;
  override async observeMany(txs: readonly Transaction[]): Promise<ObserveResult[]> {
    this.calls.push(txs.map((t) => t.transactionId));
    if (this.fail) throw new Error("store down");
    return super.observeMany(txs);
  }
}
