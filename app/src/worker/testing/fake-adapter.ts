/** A stream adapter in memory for pipeline tests: messages pushed by the test, produces and commits recorded. */
import type { InboundMessage, OutboundRecord, StreamAdapter } from "../pipeline";

export class FakeAdapter implements StreamAdapter {
  readonly produced: OutboundRecord[] = [];
  readonly commits: string[] = [];
  readonly events: string[] = [];
  produceFailures = 0;
  private queue: InboundMessage[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(...messages: InboundMessage[]): void {
    this.queue.push(...messages);
    this.wake?.();
  }

  async *messages(): AsyncIterable<InboundMessage> {
    for (;;) {
      while (this.queue.length) yield this.queue.shift()!;
      if (this.ended) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }

  async stopConsuming(): Promise<void> {
    this.ended = true;
    this.wake?.();
  }

  async produce(records: readonly OutboundRecord[]): Promise<void> {
    if (this.produceFailures > 0) {
      this.produceFailures--;
      this.events.push("produce failed");
      throw new Error("broker unavailable");
    }
    this.produced.push(...records);
    this.events.push(`produced ${records.length}`);
  }

  async commit(m: InboundMessage): Promise<void> {
    this.commits.push(`${m.partition}:${m.offset}`);
    this.events.push(`commit ${m.partition}:${m.offset}`);
  }

  async close(): Promise<void> {}
}
