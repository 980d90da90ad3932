import { describe, expect, it } from "vitest";
import { amiType, endpointAccess } from "../cluster/decisions";
import { brokerCount, kafkaServerProperties } from "./kafka";
import { postgresFamily } from "./postgres";

describe("sizing and engine decisions", () => {
  it("spreads brokers evenly over the AZs", () => {
    expect(brokerCount(1, 3)).toBe(3);
    expect(brokerCount(2, 2)).toBe(4);
    expect(() => brokerCount(0, 3)).toThrow(/positive integer/);
  });

  it("replicates 3-way with min.insync 2 on 3+ brokers, 2/1 on a 2-broker dev cluster", () => {
    expect(kafkaServerProperties(3)).toContain("default.replication.factor=3\nmin.insync.replicas=2");
    expect(kafkaServerProperties(6)).toContain("default.replication.factor=3\nmin.insync.replicas=2");
    expect(kafkaServerProperties(2)).toContain("default.replication.factor=2\nmin.insync.replicas=1");
    expect(kafkaServerProperties(3)).toContain("unclean.leader.election.enable=false");
  });

  it("maps PostgreSQL versions to parameter group families", () => {
    expect(postgresFamily("16")).toBe("postgres16");
    expect(postgresFamily("16.4")).toBe("postgres16");
    expect(() => postgresFamily("9.6")).toThrow(/10 or later/);
  });

  it("picks the AL2023 AMI for the architecture", () => {
    expect(amiType("x86_64")).toBe("AL2023_x86_64_STANDARD");
    expect(amiType("arm64")).toBe("AL2023_ARM_64_STANDARD");
  });

  it("keeps the private endpoint always and the public one only behind CIDRs", () => {
    expect(endpointAccess(false, [])).toEqual({ endpointPrivateAccess: true, endpointPublicAccess: false });
    expect(endpointAccess(true, ["203.0.113.0/24"])).toEqual({
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.0/24"],
    });
    expect(() => endpointAccess(true, [])).toThrow(/at least one/);
    expect(() => endpointAccess(true, ["0.0.0.0/0"])).toThrow(/0\.0\.0\.0\/0/);
  });
});
