/**
 * MSK accepts TLS only, between clients and brokers and between brokers.
 * @severity high · @topics encryption, data-in-transit · @frameworks PCI DSS 4.1
 */
import type { ResourceRule } from "../../lib/policy";
import { obj } from "../../lib/values";

export const mskEncryptionInTransit: ResourceRule = {
  name: "aws-msk-encryption-in-transit",
  description: "MSK clusters use TLS between clients and brokers and inside the cluster.",
  remediation: 'set encryptionInfo.encryptionInTransit to { clientBroker: "TLS", inCluster: true } (the AWS defaults; do not relax them).',
  severity: "high",
  types: ["aws:msk/cluster:Cluster"],
  check: (p) => {
    const transit = obj(obj(p.encryptionInfo).encryptionInTransit);
    const problems: string[] = [];
    // Absent values mean the AWS defaults, which are TLS and true.
    if (transit.clientBroker !== undefined && transit.clientBroker !== "TLS")
      problems.push(`clientBroker is ${String(transit.clientBroker)}: plaintext client connections are allowed.`);
    if (transit.inCluster === false) problems.push("inCluster is false: brokers replicate in plaintext.");
    return problems;
  },
};
