/**
 * No security group accepts traffic from the whole internet. There is no exemption: a name or a
 * description says nothing about what a group protects. The API's internet-facing load balancer
 * gets its group from the AWS Load Balancer Controller (outside this program), opened only to the
 * ingress's `inbound-cidrs`.
 * @severity critical · @topics network · @frameworks CIS AWS 5.2, 5.3, PCI DSS 1.3
 */
import type { ResourceRule } from "../../lib/policy";
import { list, peek } from "../../lib/values";

const OPEN = new Set(["0.0.0.0/0", "::/0"]);

interface Ingress {
  cidrs: unknown[];
  from: unknown;
  to: unknown;
  protocol: unknown;
}

function ingressOf(type: string, p: Record<string, unknown>): Ingress[] {
  switch (type) {
    case "aws:ec2/securityGroup:SecurityGroup":
      return list<Record<string, unknown>>(p.ingress).map((r) => ({
        cidrs: [...list(peek(r, "cidrBlocks")), ...list(peek(r, "ipv6CidrBlocks"))],
        from: peek(r, "fromPort"),
        to: peek(r, "toPort"),
        protocol: peek(r, "protocol"),
      }));
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      if (p.type !== "ingress") return [];
      return [
        {
          cidrs: [...list(peek(p, "cidrBlocks")), ...list(peek(p, "ipv6CidrBlocks"))],
          from: peek(p, "fromPort"),
          to: peek(p, "toPort"),
          protocol: peek(p, "protocol"),
        },
      ];
    default: // aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule
      return [
        {
          cidrs: [peek(p, "cidrIpv4"), peek(p, "cidrIpv6")],
          from: peek(p, "fromPort"),
          to: peek(p, "toPort"),
          protocol: peek(p, "ipProtocol"),
        },
      ];
  }
}

export const ec2NoOpenIngress: ResourceRule = {
  name: "aws-ec2-no-open-ingress",
  description: "Security groups do not allow ingress from 0.0.0.0/0 or ::/0.",
  remediation:
    "allow the specific security group (sourceSecurityGroupId / referencedSecurityGroupId), the VPC CIDR or the callers' ranges instead; an internet-facing load balancer gets its group from the load balancer controller, limited by the ingress's inbound-cidrs.",
  severity: "critical",
  types: [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  ],
  check: (p, args) =>
    ingressOf(args.type, p)
      .filter((r) => r.cidrs.some((c) => typeof c === "string" && OPEN.has(c)))
      .map(
        (r) =>
          `ingress from ${r.cidrs.filter((c) => typeof c === "string" && OPEN.has(c)).join(", ")} on ${String(r.protocol)} ${String(r.from)}-${String(r.to)}.`,
      ),
};
