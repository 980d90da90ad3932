import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error";
import { thrownProblems } from "../testing/thrown-problems";
import { loadKafkaSettings } from "./config";

describe("the worker's Kafka settings from the environment", () => {
  it("lists every problem at once and reads a valid cluster", () => {
    expect(thrownProblems(ConfigError, () => loadKafkaSettings({ KAFKA_BROKERS: "b1:9098,nope", KAFKA_IAM_AUTH: "true" }))).toEqual([
      'KAFKA_BROKERS: "nope" is not host:port',
      "KAFKA_IAM_AUTH=true needs AWS_REGION (the region the MSK tokens are signed for)",
    ]);
    expect(loadKafkaSettings({ KAFKA_BROKERS: "b1:9098", KAFKA_IAM_AUTH: "true", AWS_REGION: "eu-west-1" })).toEqual({
      brokers: ["b1:9098"],
      iamAuth: true,
      region: "eu-west-1",
      transactionsTopic: "transactions",
      decisionsTopic: "decisions",
      groupId: "fraud-worker",
    });
  });
});
