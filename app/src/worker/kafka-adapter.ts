/**
 * The thin Kafka adapter on @platformatic/kafka: a consumer group on the transactions topic with
 * manual commits, and an idempotent producer (acks=all) for decisions. With MSK IAM auth it
 * speaks TLS and SASL/OAUTHBEARER with a fresh presigned token per connection.
 */
import { Consumer, type MessagesStream, Producer, stringDeserializers, stringSerializers } from "@platformatic/kafka";
import type { SASLOptions } from "@platformatic/kafka";
import type { KafkaSettings } from "./config";
import { defaultCredentials, mskIamToken } from "./msk-iam";
import type { InboundMessage, OutboundRecord, StreamAdapter } from "./pipeline";
import { type Context, endSpan, injectContext, inSpan, SpanKind, startRequest, tracingEnabled } from "../telemetry/tracing";

type StringMessage = InboundMessage & { commit(): void | Promise<void>; readonly headers?: Map<string, string>; readonly topic: string };

/** The producer's messages for `records`; with tracing on each carries its transaction's trace context in its headers. */
export function decisionMessages(records: readonly OutboundRecord[], topic: string) {
  if (!tracingEnabled()) return records.map((r) => ({ topic, key: r.key, value: r.value }));
  return records.map((r) => ({ topic, key: r.key, value: r.value, headers: injectContext(r.context) }));
}

/**
 * With tracing on, a CONSUMER span per sampled message, child of the trace the producer sent in
 * its headers (W3C traceparent; a sampled one is continued): the message's scoring runs in that
 * span's context. Sampling is decided once per message (startRequest): one not sampled gets no
 * span, and no context unless its producer sent a trace.
 */
export function tracedMessage<M extends Omit<StringMessage, "context">>(m: M): M & { readonly context: Context | undefined } {
  const t = startRequest(m.headers, `${m.topic} process`, SpanKind.CONSUMER, () => ({
    "messaging.system": "kafka",
    "messaging.operation.type": "process",
    "messaging.destination.name": m.topic,
    "messaging.destination.partition.id": String(m.partition),
    "messaging.kafka.offset": Number(m.offset),
  }));
  if (t.span) endSpan(t.span);
  // the message object is the library's: its commit() must stay callable on it
  return Object.assign(m, { context: t.context });
}

/** `onConsuming`: called each time the consumer has joined its group and starts reading. */
export async function kafkaAdapter(s: KafkaSettings, onConsuming: () => void): Promise<StreamAdapter> {
  let sasl: SASLOptions | undefined;
  if (s.iamAuth) {
    const credentials = await defaultCredentials();
    sasl = { mechanism: "OAUTHBEARER", token: () => mskIamToken(s.region!, credentials) };
  }
  const connection = { bootstrapBrokers: [...s.brokers], ...(s.iamAuth ? { tls: {}, sasl } : {}) };
  const consumer = new Consumer({
    ...connection,
    clientId: `${s.groupId}-consumer`,
    groupId: s.groupId,
    deserializers: stringDeserializers,
  });
  const producer = new Producer({
    ...connection,
    clientId: `${s.groupId}-producer`,
    serializers: stringSerializers,
    idempotent: true,
  });
  let stream: MessagesStream<string, string, string, string> | undefined;
  let closing = false;

  return {
    async *messages() {
      stream = await consumer.consume({
        topics: [s.transactionsTopic],
        autocommit: false,
        // a new group starts from the oldest retained transaction: none is skipped
        mode: "committed",
        fallbackMode: "earliest",
      });
      // a stop that came while the consumer was still joining must not start an endless read
      if (closing) {
        await stream.close();
        return;
      }
      onConsuming();
      try {
        const on = tracingEnabled();
        for await (const m of stream) yield on ? tracedMessage(m as unknown as StringMessage) : (m as unknown as StringMessage);
      } catch (err) {
        // closing a stream mid-iteration may end it with a premature-close error: that is the stop we asked for
        if (!closing) throw err;
      }
    },
    async stopConsuming() {
      closing = true;
      await stream?.close();
    },
    async produce(records: readonly OutboundRecord[]) {
      const messages = decisionMessages(records, s.decisionsTopic);
      if (!tracingEnabled()) {
        await producer.send({ messages });
        return;
      }
      await inSpan(
        `${s.decisionsTopic} publish`,
        {
          "messaging.system": "kafka",
          "messaging.operation.type": "send",
          "messaging.destination.name": s.decisionsTopic,
          "messaging.batch.message_count": records.length,
        },
        () => producer.send({ messages }),
        SpanKind.PRODUCER,
      );
    },
    async commit(message: InboundMessage) {
      await (message as StringMessage).commit();
    },
    async close() {
      await consumer.close();
      await producer.close();
    },
  };
}
