/**
 * The stream worker's logic, behind a thin Kafka adapter: read transactions, score them with the
 * API's scorer (same features, idempotency and decision log), produce the decisions, and only then
 * commit the offsets. A crash anywhere before the commit replays the batch, and replays are safe
 * because scoring is idempotent per transactionId: at-least-once delivery, exactly-once decisions.
 *
 * A message that is not a valid transaction cannot succeed on retry: it is logged, counted and
 * committed past, so one bad producer cannot stall a partition.
 */
import { Counter, type Registry } from "prom-client";
import { errorMessage, type Logger } from "../serving/log";
import { type Scorer, UnavailableError } from "../serving/scoring";
import { parseJson, parseTransaction, ValidationError } from "../serving/validate";
import type { DecisionRecord } from "../store/decision-record";
import { type Context, withContext } from "../telemetry/tracing";
import { decisionMessage } from "./decision-message";

export interface InboundMessage {
  readonly partition: number;
  readonly offset: bigint;
  readonly value: string | undefined;
  /** The trace context the producer sent in the message's headers (tracing on only): scoring runs in it. */
  readonly context?: Context;
}

export interface OutboundRecord {
  /** The transactionId: decisions of one transaction land in one partition. */
  readonly key: string;
  readonly value: string;
  /** Its transaction's trace context, carried on in the decision's headers. */
  readonly context?: Context;
}

/** What the pipeline needs from Kafka; kafka-adapter.ts implements it on @platformatic/kafka. */
export interface StreamAdapter {
  /** Inbound messages, in order per partition. Ends after `stopConsuming`. */
  messages(): AsyncIterable<InboundMessage>;
  /** Ends `messages()`; producing and committing still work until `close`. */
  stopConsuming(): Promise<void>;
  produce(records: readonly OutboundRecord[]): Promise<void>;
  /** Commits past `message` (offset + 1) in its partition. */
  commit(message: InboundMessage): Promise<void>;
  close(): Promise<void>;
}

export interface PipelineOptions {
  readonly maxBatch: number;
  /** How long a partial batch waits for more messages. */
  readonly lingerMs: number;
  /** First retry delay after a failed batch; doubles up to 5 s. */
  readonly retryMs: number;
}

export const DEFAULT_PIPELINE_OPTIONS: PipelineOptions = { maxBatch: 500, lingerMs: 5, retryMs: 100 };

export class StreamMetrics {
  readonly messages: Counter<"outcome">;
  readonly retries: Counter;
  constructor(registry: Registry) {
    this.messages = new Counter({
      name: "fraud_stream_messages_total",
      help: "Transactions read from Kafka by outcome (scored, invalid).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    });
    this.retries = new Counter({
      name: "fraud_stream_batch_retries_total",
      help: "Batches retried after a failure.",
      registers: [registry],
    });
  }
}

export class StreamPipeline {
  private pending: InboundMessage[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly adapter: StreamAdapter,
    private readonly scorer: Scorer,
    private readonly metrics: StreamMetrics,
    private readonly log: Logger,
    private readonly opts: PipelineOptions = DEFAULT_PIPELINE_OPTIONS,
  ) {}

  /** Consumes until the adapter's stream ends; resolves when the last batch is committed. */
  async run(): Promise<void> {
    for await (const message of this.adapter.messages()) {
      this.pending.push(message);
      if (this.pending.length >= this.opts.maxBatch) await this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.lingerMs);
    }
    await this.flush();
  }

  /** Stops reading; the batches in hand are still scored, produced and committed before `run` resolves. */
  async stop(): Promise<void> {
    await this.adapter.stopConsuming();
  }

  /** Batches are processed one after another, so commits never go backwards in a partition. */
  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length) this.chain = this.chain.then(() => this.process(batch));
    return this.chain;
  }

  private async process(batch: readonly InboundMessage[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.attempt(batch);
        return;
      } catch (err) {
        this.metrics.retries.inc();
        const delay = Math.min(5000, this.opts.retryMs * 2 ** attempt);
        const retryable = err instanceof UnavailableError ? "scoring unavailable" : "batch failed";
        this.log.warn(`stream: ${retryable}; retrying (nothing committed)`, {
          error: errorMessage(err),
          size: batch.length,
          retryInMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async attempt(batch: readonly InboundMessage[]): Promise<void> {
    const scoring: Promise<DecisionRecord>[] = [];
    const contexts: (Context | undefined)[] = [];
    let invalid = 0;
    // Issued in order: the feature store sees a partition's transactions in offset order.
    for (const m of batch) {
      let tx;
      try {
        tx = parseTransaction(parseJson(m.value ?? ""));
      } catch (err) {
        invalid++;
        const why = err instanceof ValidationError || err instanceof SyntaxError ? err.message : errorMessage(err);
        this.log.warn("stream: skipping a message that is not a valid transaction", {
          partition: m.partition,
          offset: String(m.offset),
          error: why,
        });
        continue;
      }
      scoring.push(withContext(m.context, () => this.scorer.score(tx)));
      contexts.push(m.context);
    }
    const decisions = await Promise.all(scoring);
    if (decisions.length) {
      await this.adapter.produce(decisions.map((d, i) => ({ key: d.transactionId, value: decisionMessage(d), context: contexts[i] })));
    }
    const last = new Map<number, InboundMessage>();
    for (const m of batch) {
      const prev = last.get(m.partition);
      if (!prev || m.offset > prev.offset) last.set(m.partition, m);
    }
    await Promise.all([...last.values()].map((m) => this.adapter.commit(m)));
    this.metrics.messages.labels("scored").inc(decisions.length);
    if (invalid) this.metrics.messages.labels("invalid").inc(invalid);
  }
}
