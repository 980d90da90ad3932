/**
 * No security group accepts traffic from the whole internet, except a load balancer on HTTP/HTTPS.
 * @severity critical · @topics network · @frameworks CIS AWS 5.2, 5.3, PCI DSS 1.3
 */
import type { ResourceRule } from "../../lib/policy";
import { isUnknown, list, obj, peek } from "../../lib/values";

const OPEN = new Set(["0.0.0.0/0", "::/0"]);
const WEB_PORTS = new Set([80, 443]);
/** How a load balancer's security group or rule is recognised: its name, description or a Role tag. */
const LOAD_BALANCER = /(^|[^a-z])(alb|nlb|elb|lb|load-?balancer)([^a-z]|$)/i;

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
        from: peek(r, "fromPort"), to: peek(r, "toPort"), protocol: peek(r, "protocol"),
      }));
    case "aws:ec2/securityGroupRule:SecurityGroupRule":
      if (p.type !== "ingress") return [];
      return [{ cidrs: [...list(peek(p, "cidrBlocks")), ...list(peek(p, "ipv6CidrBlocks"))], from: peek(p, "fromPort"), to: peek(p, "toPort"), protocol: peek(p, "protocol") }];
    default: // aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule
      return [{ cidrs: [peek(p, "cidrIpv4"), peek(p, "cidrIpv6")], from: peek(p, "fromPort"), to: peek(p, "toPort"), protocol: peek(p, "ipProtocol") }];
  }
}

function looksLikeLoadBalancer(name: string, p: Record<string, unknown>): boolean {
  const tags = obj(peek(p, "tags"));
  return [name, peek(p, "name"), peek(p, "description"), peek(tags, "Role"), peek(tags, "Name")].some(
    (v) => typeof v === "string" && !isUnknown(v) && LOAD_BALANCER.test(v),
  );
}

const onlyWebPorts = (r: Ingress) =>
  (r.protocol === "tcp" || r.protocol === "6") && typeof r.from === "number" && r.from === r.to && WEB_PORTS.has(r.from);

export const ec2NoOpenIngress: ResourceRule = {
  name: "aws-ec2-no-open-ingress",
  description: "Security groups do not allow ingress from 0.0.0.0/0 or ::/0, except a load balancer's on TCP 80/443.",
  remediation: "allow the specific security group (sourceSecurityGroupId / referencedSecurityGroupId) or the VPC CIDR instead; only the load balancer's group may face the internet, on 443 (and 80 to redirect).",
  severity: "critical",
  types: ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
  check: (p, args) => {
    const lb = looksLikeLoadBalancer(args.name, p);
    return ingressOf(args.type, p)
      .filter((r) => r.cidrs.some((c) => typeof c === "string" && OPEN.has(c)))
      .filter((r) => !(lb && onlyWebPorts(r)))
      .map((r) => `ingress from ${r.cidrs.filter((c) => typeof c === "string" && OPEN.has(c)).join(", ")} on ${String(r.protocol)} ${String(r.from)}-${String(r.to)}${lb ? " (a load balancer may only open TCP 80 and 443)" : ""}.`);
  },
};
