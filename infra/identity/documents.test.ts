import { describe, expect, it } from "vitest";
import { kafkaArns } from "../data/kafka";
import { irsaTrustPolicy, logsKeyPolicy, tlsOnlyBucketPolicy } from "./documents";
import { apiPolicy, trainerPolicy, workerPolicy, type WorkloadArns } from "./grants";

const PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC";
const ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC";
const CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/fraud-platform-prod-kafka/5f1c-2";
const ARNS: WorkloadArns = {
  region: "us-east-1",
  modelBucketArn: "arn:aws:s3:::models-1",
  objectsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/objects",
  secretsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/secrets",
  kafka: kafkaArns(CLUSTER, ["transactions", "decisions"], ["fraud-*"]),
};

const resources = (doc: { Statement: { Resource?: string | string[] }[] }) =>
  doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
const actions = (doc: { Statement: { Action: string | string[] }[] }) =>
  doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe("IRSA trust policy", () => {
  it("admits exactly the named service accounts of this issuer, with the STS audience", () => {
    const doc = irsaTrustPolicy(PROVIDER, ISSUER, [{ namespace: "fraud-serving", name: "fraud-api" }]);
    expect(doc.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:fraud-serving:fraud-api",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com",
          },
        },
      },
    ]);
  });

  it("refuses a provider of another issuer and an empty subject list", () => {
    expect(() => irsaTrustPolicy(PROVIDER, "oidc.eks.us-east-1.amazonaws.com/id/OTHER", [{ namespace: "a", name: "b" }])).toThrow(
      /does not belong/,
    );
    expect(() => irsaTrustPolicy(PROVIDER, ISSUER, [])).toThrow(/at least one/);
  });
});

describe("workload grants", () => {
  it("derives topic and group ARNs from the cluster ARN", () => {
    expect(ARNS.kafka.topics).toEqual([
      "arn:aws:kafka:us-east-1:123456789012:topic/fraud-platform-prod-kafka/5f1c-2/transactions",
      "arn:aws:kafka:us-east-1:123456789012:topic/fraud-platform-prod-kafka/5f1c-2/decisions",
    ]);
    expect(ARNS.kafka.groups).toEqual(["arn:aws:kafka:us-east-1:123456789012:group/fraud-platform-prod-kafka/5f1c-2/fraud-*"]);
    expect(() => kafkaArns("arn:aws:s3:::bucket", [], [])).toThrow(/not an MSK cluster ARN/);
  });

  it("the API reads models and its secrets and holds no Kafka right at all; it cannot write models", () => {
    const doc = apiPolicy(ARNS, ["arn:secret:api-keys", "arn:secret:redis", "arn:secret:db"]);
    expect(resources(doc)).not.toContain("*");
    expect(actions(doc).some((a) => a.endsWith("*"))).toBe(false);
    expect(actions(doc)).not.toContain("s3:PutObject");
    expect(actions(doc).filter((a) => a.startsWith("kafka-cluster:"))).toEqual([]);
    expect(resources(doc)).not.toEqual(expect.arrayContaining([CLUSTER]));
    expect(resources(doc)).toEqual(expect.arrayContaining(["arn:secret:api-keys", "arn:aws:s3:::models-1/*"]));
    const kms = doc.Statement.filter((s) => actions({ Statement: [s] }).some((a) => a.startsWith("kms:")));
    expect(kms.every((s) => s.Condition?.StringEquals?.["kms:ViaService"])).toBe(true);
  });

  it("the worker uses only our topics and groups and reads only the secrets it is given", () => {
    const doc = workerPolicy(ARNS, ["arn:secret:redis", "arn:secret:db"]);
    expect(resources(doc)).not.toContain("*");
    expect(actions(doc).some((a) => a.endsWith("*"))).toBe(false);
    expect(resources(doc)).toEqual(
      expect.arrayContaining([CLUSTER, ...ARNS.kafka.topics, ...ARNS.kafka.groups, "arn:secret:redis", "arn:secret:db"]),
    );
    expect(resources(doc)).not.toContain("arn:secret:api-keys");
    expect(actions(doc)).toEqual(expect.arrayContaining(["kafka-cluster:ReadData", "kafka-cluster:WriteData"]));
    expect(actions(doc)).not.toContain("s3:PutObject");
  });

  it("the trainer writes models, reads the database secret and has no Kafka access", () => {
    const doc = trainerPolicy(ARNS, ["arn:secret:db"]);
    expect(actions(doc)).toEqual(expect.arrayContaining(["s3:PutObject", "secretsmanager:GetSecretValue", "kms:GenerateDataKey"]));
    expect(actions(doc).some((a) => a.startsWith("kafka-cluster:"))).toBe(false);
    expect(resources(doc)).not.toContain("*");
  });
});

describe("resource policies", () => {
  it("the bucket denies every non-TLS request", () => {
    expect(tlsOnlyBucketPolicy("arn:aws:s3:::b").Statement[0]).toMatchObject({
      Effect: "Deny",
      Principal: "*",
      Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
  });

  it("the logs key admits CloudWatch Logs of this account and region only", () => {
    const s = logsKeyPolicy("123456789012", "eu-west-1").Statement[1];
    expect(s.Principal).toEqual({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(s.Condition).toEqual({ ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:*" } });
  });
});
