/**
 * Redis requires clients to authenticate (an AUTH token or RBAC user groups). ElastiCache accepts
 * AUTH only with TLS, which aws-elasticache-encryption-in-transit requires: together, AUTH over TLS.
 * @severity high · @topics authentication, data-in-transit · @frameworks PCI DSS 8.2
 */
import type { ResourceRule } from "../../lib/policy";
import { isSet, isUnknown, list, peek } from "../../lib/values";

export const elasticacheRedisAuth: ResourceRule = {
  name: "aws-elasticache-redis-auth",
  description: "ElastiCache Redis replication groups require AUTH (a token or RBAC user groups).",
  remediation:
    "set an authToken (generated, kept in Secrets Manager) or userGroupIds, with transitEncryptionEnabled: true (AUTH needs TLS).",
  severity: "high",
  types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
  check: (p) => {
    const engine = peek(p, "engine");
    if (typeof engine === "string" && engine !== "redis" && engine !== "valkey") return [];
    const groups = peek(p, "userGroupIds");
    const userGroups = isUnknown(groups) || list(groups).length > 0;
    // An unknown or secret token still counts as set: its value is not the question.
    if (!isSet(p, "authToken") && !userGroups)
      return ["no authToken and no userGroupIds: any client that reaches the port can read and write."];
    return [];
  },
};
