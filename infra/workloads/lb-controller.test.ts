import { describe, expect, it } from "vitest";
import { DEREGISTRATION_DELAY_SECONDS } from "./api";
import { parseWorkloadSettings } from "../../stacks/workloads";
import { BLOCK_METRICS_ACTION, albAnnotations, apiUrl, SSL_POLICY } from "./ingress";
import { loadBalancerControllerValues } from "./lb-controller";
import { CLUSTER_TAG, loadBalancerControllerPolicy } from "./lb-controller-policy";

const doc = loadBalancerControllerPolicy({ partition: "aws", region: "eu-west-1", clusterName: "fraud-prod", vpcId: "vpc-123" });
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("load balancer controller IAM policy", () => {
  it("allows only reads and the service-linked role on any resource", () => {
    for (const st of doc.Statement.filter((s) => list(s.Resource).includes("*"))) {
      const unconditioned = st.Condition === undefined;
      const readOnly = list(st.Action).every((a) => /:(Describe|Get|List)/.test(a));
      expect(readOnly || !unconditioned, `${st.Sid} grants ${list(st.Action).join(",")} on * without a condition`).toBe(true);
    }
  });

  it("ties every create, modify and delete of load balancers and security groups to this cluster's tag or VPC", () => {
    const mutating = doc.Statement.filter((s) => list(s.Action).some((a) => /:(Create(LoadBalancer|TargetGroup)|Delete(LoadBalancer|TargetGroup|SecurityGroup)|Modify(LoadBalancer|TargetGroup)|SetSecurityGroups|AuthorizeSecurityGroupIngress)/.test(a)));
    expect(mutating.length).toBeGreaterThan(3);
    for (const st of mutating) {
      const conditions = JSON.stringify(st.Condition ?? {});
      expect(conditions, st.Sid).toMatch(new RegExp(`${CLUSTER_TAG.replace("/", "\\/")}":"fraud-prod"|ec2:Vpc":"arn:aws:ec2:eu-west-1:\\*:vpc\\/vpc-123"`));
    }
  });

  it("scopes ARNs to the stack's region and leaves WAF, Shield and Cognito out", () => {
    const arns = doc.Statement.flatMap((s) => list(s.Resource)).filter((r) => r !== "*");
    expect(arns.every((a) => a.startsWith("arn:aws:ec2:eu-west-1:") || a.startsWith("arn:aws:elasticloadbalancing:eu-west-1:"))).toBe(true);
    const actions = doc.Statement.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => /^(waf|wafv2|waf-regional|shield|cognito-idp):/.test(a))).toEqual([]);
    const values = loadBalancerControllerValues({ clusterName: "c", vpcId: "v", region: "r", roleArn: "arn:role" });
    expect(values).toMatchObject({ enableShield: false, enableWaf: false, enableWafv2: false, serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:role" } } });
  });
});

describe("ingress", () => {
  const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123";

  it("serves HTTPS with a modern policy and redirects HTTP when a certificate is set", () => {
    const s = parseWorkloadSettings({ imageTag: "t", ingress: { certificateArn: cert, requireTls: true, allowedCidrs: ["198.51.100.0/24"] } });
    const a = albAnnotations(s.ingress);
    expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTP: 80 }, { HTTPS: 443 }]);
    expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(cert);
    expect(a["alb.ingress.kubernetes.io/ssl-redirect"]).toBe("443");
    expect(a["alb.ingress.kubernetes.io/ssl-policy"]).toBe(SSL_POLICY);
    expect(a["alb.ingress.kubernetes.io/inbound-cidrs"]).toBe("198.51.100.0/24");
    expect(a["alb.ingress.kubernetes.io/target-group-attributes"]).toBe(`deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`);
    expect(apiUrl(s.ingress, "k8s-x.elb.amazonaws.com")).toBe("https://k8s-x.elb.amazonaws.com");
    expect(JSON.parse(a[`alb.ingress.kubernetes.io/actions.${BLOCK_METRICS_ACTION}`])).toEqual({
      type: "fixed-response",
      fixedResponseConfig: { contentType: "text/plain", statusCode: "404", messageBody: "not found" },
    });
  });

  it("serves plain HTTP without a certificate (dev) and prefers the configured host", () => {
    const s = parseWorkloadSettings({ imageTag: "t", ingress: { host: "fraud.example.com" } });
    const a = albAnnotations(s.ingress);
    expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTP: 80 }]);
    expect(a).not.toHaveProperty("alb.ingress.kubernetes.io/ssl-redirect");
    expect(apiUrl(s.ingress, "k8s-x.elb.amazonaws.com")).toBe("http://fraud.example.com");
    expect(apiUrl({ ...s.ingress, host: undefined }, undefined)).toBeUndefined();
  });
});
