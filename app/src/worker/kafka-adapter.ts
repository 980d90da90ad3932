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

type StringMessage = InboundMessage & { commit(): void | Promise<void> };

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
        for await (const m of stream) yield m as unknown as StringMessage;
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
      await producer.send({ messages: records.map((r) => ({ topic: s.decisionsTopic, key: r.key, value: r.value })) });
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
