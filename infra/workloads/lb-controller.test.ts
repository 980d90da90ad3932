import { describe, expect, it } from "vitest";
import { DEREGISTRATION_DELAY_SECONDS } from "./api";
import { workloadOptions } from "../testing/workload-options";
import { BLOCK_METRICS_ACTION, albAnnotations, apiUrl, SSL_POLICY } from "./ingress";
import { loadBalancerControllerValues } from "./lb-controller";
import { selfSignedNames } from "./self-signed-certificate";
import { CLUSTER_TAG, loadBalancerControllerPolicy } from "./lb-controller-policy";

const doc = loadBalancerControllerPolicy({
  partition: "aws",
  region: "eu-west-1",
  accountId: "123456789012",
  clusterName: "fraud-prod",
  vpcId: "vpc-123",
  nodeSecurityGroupId: "sg-nodes",
});
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

describe("load balancer controller IAM policy", () => {
  it("allows only reads and the service-linked role on any resource", () => {
    for (const st of doc.Statement.filter((s) => list(s.Resource).includes("*"))) {
      const unconditioned = st.Condition === undefined;
      const readOnly = list(st.Action).every((a) => /:(Describe|Get|List)/.test(a));
      expect(readOnly || !unconditioned, `${st.Sid} grants ${list(st.Action).join(",")} on * without a condition`).toBe(true);
    }
  });

  it("ties every create, modify and delete of load balancers and security groups to this cluster's tag, VPC or node group", () => {
    const mutating = doc.Statement.filter((s) =>
      list(s.Action).some((a) =>
        /:(Create(LoadBalancer|TargetGroup)|Delete(LoadBalancer|TargetGroup|SecurityGroup)|Modify(LoadBalancer|TargetGroup)|SetSecurityGroups|AuthorizeSecurityGroupIngress)/.test(
          a,
        ),
      ),
    );
    expect(mutating.length).toBeGreaterThan(3);
    for (const st of mutating) {
      const conditions = JSON.stringify(st.Condition ?? {});
      const onNodeGroupOnly = JSON.stringify(st.Resource) === JSON.stringify("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-nodes");
      expect(
        onNodeGroupOnly ||
          new RegExp(`${CLUSTER_TAG.replace("/", "\\/")}":"fraud-prod"|ec2:Vpc":"arn:aws:ec2:eu-west-1:123456789012:vpc\\/vpc-123"`).test(
            conditions,
          ),
        st.Sid,
      ).toBe(true);
    }
  });

  it("cannot change the ingress of any other security group (the data stores')", () => {
    const sgIngress = doc.Statement.filter((s) => list(s.Action).some((a) => /SecurityGroupIngress$/.test(a)));
    expect(sgIngress.map((s) => s.Sid).sort()).toEqual(["IngressRulesOnNodeSecurityGroup", "IngressRulesOnOwnSecurityGroups"]);
    for (const st of sgIngress) {
      const scoped =
        st.Condition?.StringEquals?.[`aws:ResourceTag/${CLUSTER_TAG}`] === "fraud-prod" ||
        st.Resource === "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-nodes";
      expect(scoped, st.Sid).toBe(true);
    }
    expect(() =>
      loadBalancerControllerPolicy({
        partition: "aws",
        region: "eu-west-1",
        accountId: "*",
        clusterName: "c",
        vpcId: "v",
        nodeSecurityGroupId: "sg",
      }),
    ).toThrow(/12 digits/);
  });

  it("scopes ARNs to the stack's partition, region and account and leaves WAF, Shield and Cognito out", () => {
    const arns = doc.Statement.flatMap((s) => list(s.Resource)).filter((r) => r !== "*");
    expect(
      arns.every(
        (a) => a.startsWith("arn:aws:ec2:eu-west-1:123456789012:") || a.startsWith("arn:aws:elasticloadbalancing:eu-west-1:123456789012:"),
      ),
    ).toBe(true);
    expect(arns.filter((a) => a.split(":")[4] === "*")).toEqual([]);
    const actions = doc.Statement.flatMap((s) => list(s.Action));
    expect(actions.filter((a) => /^(waf|wafv2|waf-regional|shield|cognito-idp):/.test(a))).toEqual([]);
    const values = loadBalancerControllerValues({ clusterName: "c", vpcId: "v", region: "r", roleArn: "arn:role" });
    expect(values).toMatchObject({
      enableShield: false,
      enableWaf: false,
      enableWafv2: false,
      serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn:role" } },
    });
  });
});

describe("ingress", () => {
  const cert = "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123";

  it("serves HTTPS only, with a modern policy: no plain-HTTP listener, not even a redirect", () => {
    const s = workloadOptions({ ingress: { certificateArn: cert, requireCertificateArn: true, allowedCidrs: ["198.51.100.0/24"] } });
    const a = albAnnotations(s.ingress, cert);
    expect(JSON.parse(a["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTPS: 443 }]);
    expect(a["alb.ingress.kubernetes.io/certificate-arn"]).toBe(cert);
    expect(a).not.toHaveProperty("alb.ingress.kubernetes.io/ssl-redirect");
    expect(a["alb.ingress.kubernetes.io/ssl-policy"]).toBe(SSL_POLICY);
    expect(a["alb.ingress.kubernetes.io/inbound-cidrs"]).toBe("198.51.100.0/24");
    expect(a["alb.ingress.kubernetes.io/target-group-attributes"]).toBe(
      `deregistration_delay.timeout_seconds=${DEREGISTRATION_DELAY_SECONDS}`,
    );
    expect(apiUrl(s.ingress, "k8s-x.elb.amazonaws.com")).toBe("https://k8s-x.elb.amazonaws.com");
    expect(JSON.parse(a[`alb.ingress.kubernetes.io/actions.${BLOCK_METRICS_ACTION}`])).toEqual({
      type: "fixed-response",
      fixedResponseConfig: { contentType: "text/plain", statusCode: "404", messageBody: "not found" },
    });
  });

  it("without a configured certificate still serves HTTPS (self-signed) and prefers the configured host", () => {
    const s = workloadOptions({ ingress: { host: "fraud.example.com" } });
    expect(s.ingress.certificateArn).toBeUndefined();
    expect(JSON.parse(albAnnotations(s.ingress, cert)["alb.ingress.kubernetes.io/listen-ports"])).toEqual([{ HTTPS: 443 }]);
    expect(apiUrl(s.ingress, "k8s-x.elb.amazonaws.com")).toBe("https://fraud.example.com");
    expect(apiUrl({ ...s.ingress, host: undefined }, undefined)).toBeUndefined();
  });

  it("names the self-signed certificate for the host and any load balancer of the region", () => {
    expect(selfSignedNames("eu-west-1", undefined)).toEqual(["*.eu-west-1.elb.amazonaws.com"]);
    expect(selfSignedNames("eu-west-1", "fraud.example.com")).toEqual(["fraud.example.com", "*.eu-west-1.elb.amazonaws.com"]);
    // An ALB name has one label before the region, which a single wildcard label matches.
    const alb = "k8s-fraudser-fraudapi-0123456789-1234567890.eu-west-1.elb.amazonaws.com";
    const wildcard = selfSignedNames("eu-west-1", undefined)[0];
    expect(alb.split(".").slice(1).join(".")).toBe(wildcard.slice(2));
  });
});
