/** The stream worker's Kafka settings, from the deploy contract's variables. */
import { ENV, TOPICS } from "../config/deploy-contract";
import { EnvReader } from "../config/env-reader";

export interface KafkaSettings {
  readonly brokers: readonly string[];
  /** MSK IAM: TLS plus SASL/OAUTHBEARER with SigV4 tokens (needs AWS_REGION). */
  readonly iamAuth: boolean;
  readonly region?: string;
  readonly transactionsTopic: string;
  readonly decisionsTopic: string;
  readonly groupId: string;
}

export function loadKafkaSettings(env: Readonly<Record<string, string | undefined>> = process.env): KafkaSettings {
  const r = new EnvReader(env);
  const brokers = (r.str(ENV.kafkaBrokers) ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) r.problems.push(`${ENV.kafkaBrokers} is required (comma-separated host:port)`);
  for (const b of brokers)
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(b)) r.problems.push(`${ENV.kafkaBrokers}: ${JSON.stringify(b)} is not host:port`);
  const iamAuth = r.bool(ENV.kafkaIamAuth, false);
  const region = r.str(ENV.awsRegion);
  if (iamAuth && !region) r.problems.push(`${ENV.kafkaIamAuth}=true needs ${ENV.awsRegion} (the region the MSK tokens are signed for)`);
  const settings: KafkaSettings = {
    brokers,
    iamAuth,
    region,
    transactionsTopic: r.str(ENV.kafkaTransactionsTopic) ?? TOPICS.transactions,
    decisionsTopic: r.str(ENV.kafkaDecisionsTopic) ?? TOPICS.decisions,
    groupId: r.str(ENV.kafkaGroupId) ?? "fraud-worker",
  };
  r.done();
  return settings;
}
