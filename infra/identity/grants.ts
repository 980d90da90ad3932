/**
 * The permissions of each workload, as pure functions of the ARNs they touch. Every statement
 * names its resources; the only wildcards are object keys inside our bucket and consumer groups
 * under our `fraud-` prefix.
 */
import { policy, type PolicyDocument, type Statement } from "./documents";
import type { KafkaArns } from "../data/kafka";

export interface WorkloadArns {
  readonly region: string;
  readonly modelBucketArn: string;
  /** The key encrypting the model bucket. */
  readonly objectsKeyArn: string;
  /** The key encrypting every Secrets Manager secret. */
  readonly secretsKeyArn: string;
  readonly kafka: KafkaArns;
}

function readModels(a: WorkloadArns): Statement[] {
  return [
    { Sid: "ListModels", Effect: "Allow", Action: "s3:ListBucket", Resource: a.modelBucketArn },
    { Sid: "ReadModels", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: `${a.modelBucketArn}/*` },
  ];
}

function keyUse(sid: string, keyArn: string, service: string, region: string, actions: string[]): Statement {
  // kms:ViaService: the key is usable only through that service, never by a direct KMS call.
  return {
    Sid: sid,
    Effect: "Allow",
    Action: actions,
    Resource: keyArn,
    Condition: { StringEquals: { "kms:ViaService": `${service}.${region}.amazonaws.com` } },
  };
}

function readSecrets(a: WorkloadArns, secretArns: readonly string[]): Statement[] {
  if (secretArns.length === 0) return [];
  return [
    {
      Sid: "ReadOwnSecrets",
      Effect: "Allow",
      Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
      Resource: [...secretArns],
    },
    keyUse("DecryptOwnSecrets", a.secretsKeyArn, "secretsmanager", a.region, ["kms:Decrypt"]),
  ];
}

/** Produce to and consume from our topics, in consumer groups under the `fraud-` prefix. */
function useTopics(k: KafkaArns): Statement[] {
  return [
    { Sid: "ConnectToCluster", Effect: "Allow", Action: ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], Resource: k.cluster },
    {
      Sid: "ProduceAndConsumeOwnTopics",
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:ReadData", "kafka-cluster:WriteData"],
      Resource: k.topics,
    },
    {
      Sid: "UseOwnConsumerGroups",
      Effect: "Allow",
      Action: ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
      Resource: k.groups,
    },
  ];
}

/**
 * The API: read models and its secrets (API keys, Redis AUTH, its database role; for its migration
 * the master and the trainer role secrets). It never touches Kafka:
 * scoring requests arrive over HTTP, so a compromised API pod cannot read or forge the stream.
 */
export function apiPolicy(a: WorkloadArns, secretArns: readonly string[]): PolicyDocument {
  return policy(...readModels(a), keyUse("DecryptModels", a.objectsKeyArn, "s3", a.region, ["kms:Decrypt"]), ...readSecrets(a, secretArns));
}

/**
 * The stream worker: read models and its secrets (Redis AUTH, its database role; not the API keys, it
 * serves no HTTP clients) and produce to and consume from the fraud topics.
 */
export function workerPolicy(a: WorkloadArns, secretArns: readonly string[]): PolicyDocument {
  return policy(
    ...readModels(a),
    keyUse("DecryptModels", a.objectsKeyArn, "s3", a.region, ["kms:Decrypt"]),
    ...readSecrets(a, secretArns),
    ...useTopics(a.kafka),
  );
}

/** The trainer: read and write models, read its database role secret. No Kafka. */
export function trainerPolicy(a: WorkloadArns, secretArns: readonly string[]): PolicyDocument {
  return policy(
    ...readModels(a),
    { Sid: "WriteModels", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: `${a.modelBucketArn}/*` },
    keyUse("EncryptAndDecryptModels", a.objectsKeyArn, "s3", a.region, ["kms:Decrypt", "kms:GenerateDataKey"]),
    ...readSecrets(a, secretArns),
  );
}
