/** Pure decisions for MSK: broker count, broker properties and the ARNs IAM policies are scoped to. */

/** MSK places brokers evenly over the client subnets, so the count is a multiple of the AZ count. */
export function brokerCount(brokersPerAz: number, azCount: number): number {
  if (!Number.isInteger(brokersPerAz) || brokersPerAz < 1) throw new Error(`brokersPerAz ${brokersPerAz}: expected a positive integer`);
  return brokersPerAz * azCount;
}

/**
 * Broker properties. Replication 3 with min.insync 2 survives one broker (one AZ) down with no
 * acknowledged write lost; a 2-broker dev cluster gets 2 and 1. Topics are created on first use
 * (the IAM policies allow CreateTopic on our topic names only).
 */
export function kafkaServerProperties(brokers: number): string {
  const replication = Math.min(3, brokers);
  const minInsync = Math.max(1, replication - 1);
  return [
    "auto.create.topics.enable=true",
    `default.replication.factor=${replication}`,
    `min.insync.replicas=${minInsync}`,
    "num.partitions=6",
    "unclean.leader.election.enable=false",
    "log.retention.hours=168",
  ].join("\n");
}

export interface KafkaArns {
  readonly cluster: string;
  readonly topics: string[];
  readonly groups: string[];
}

/**
 * Topic and group ARNs of an MSK cluster: `arn:aws:kafka:r:a:cluster/NAME/UUID` gives
 * `arn:aws:kafka:r:a:topic/NAME/UUID/TOPIC` and `.../group/NAME/UUID/GROUP`.
 */
export function kafkaArns(clusterArn: string, topics: readonly string[], groups: readonly string[]): KafkaArns {
  const m = /^(arn:[^:]+:[a-z]+:[^:]+:\d{12}:)cluster\/([^/]+(?:\/[^/]+)?)$/.exec(clusterArn);
  if (!m) throw new Error(`not an MSK cluster ARN: ${clusterArn}`);
  const [, head, path] = m;
  return {
    cluster: clusterArn,
    topics: topics.map((t) => `${head}topic/${path}/${t}`),
    groups: groups.map((g) => `${head}group/${path}/${g}`),
  };
}
