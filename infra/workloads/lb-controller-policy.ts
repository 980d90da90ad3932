/**
 * IAM policy of the AWS Load Balancer Controller, written from the controller's documented
 * permissions (its reference iam_policy.json) and narrowed for this program:
 * - WAF, Shield and Cognito permissions are left out: the chart is installed with those
 *   integrations disabled (see `loadBalancerControllerValues`).
 * - Where the reference policy accepts any resource the controller tagged (tag key present), this
 *   one requires the tag value `elbv2.k8s.aws/cluster = <this cluster>`: a controller of another
 *   cluster in the account cannot modify or delete our load balancers, nor ours theirs.
 * - ARNs carry the stack's partition, region and account (never `*`).
 * - Security-group ingress changes are allowed on the groups the controller created for this
 *   cluster (tag `elbv2.k8s.aws/cluster`, as the reference policy conditions them) and on the one
 *   untagged group it must open to its load balancers: the nodes' group, named by ARN. The
 *   reference policy also grants them on every group of the account; without that grant the
 *   controller cannot touch the data stores' security groups.
 * The read-only Describe/Get calls cannot be scoped by resource in IAM and stay on "*".
 */
import { policy, type PolicyDocument } from "../identity/documents";

export interface LbControllerPolicyInputs {
  readonly partition: string;
  readonly region: string;
  /** The account the cluster runs in (aws.getCallerIdentity). */
  readonly accountId: string;
  /** The nodes' security group: pod ENIs carry it, so the controller opens it to its load balancers. */
  readonly nodeSecurityGroupId: string;
  readonly clusterName: string;
  readonly vpcId: string;
}

export const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

export function loadBalancerControllerPolicy(i: LbControllerPolicyInputs): PolicyDocument {
  if (!/^\d{12}$/.test(i.accountId)) throw new Error(`account id ${JSON.stringify(i.accountId)}: expected 12 digits`);
  const ec2 = (res: string) => `arn:${i.partition}:ec2:${i.region}:${i.accountId}:${res}`;
  const elb = (res: string) => `arn:${i.partition}:elasticloadbalancing:${i.region}:${i.accountId}:${res}`;
  const ownedByThisCluster = { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG}`]: i.clusterName } };
  const taggedForThisCluster = { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: i.clusterName } };
  const loadBalancersAndTargetGroups = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
  return policy(
    {
      Sid: "CreateElbServiceLinkedRole",
      Effect: "Allow",
      Action: ["iam:CreateServiceLinkedRole"],
      Resource: "*",
      Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
    },
    {
      Sid: "Describe",
      Effect: "Allow",
      Action: [
        "ec2:DescribeAccountAttributes",
        "ec2:DescribeAddresses",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcPeeringConnections",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTags",
        "ec2:DescribeRouteTables",
        "ec2:GetCoipPoolUsage",
        "ec2:DescribeCoipPools",
        "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DescribeLoadBalancerAttributes",
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerCertificates",
        "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeSSLPolicies",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
        "elasticloadbalancing:DescribeTrustStores",
        "elasticloadbalancing:DescribeCapacityReservation",
        "acm:ListCertificates",
        "acm:DescribeCertificate",
      ],
      Resource: "*",
    },
    {
      Sid: "CreateSecurityGroupInThisVpc",
      Effect: "Allow",
      Action: ["ec2:CreateSecurityGroup"],
      Resource: [ec2(`vpc/${i.vpcId}`), ec2("security-group/*")],
    },
    {
      Sid: "TagNewSecurityGroup",
      Effect: "Allow",
      Action: ["ec2:CreateTags"],
      Resource: ec2("security-group/*"),
      Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", [`aws:RequestTag/${CLUSTER_TAG}`]: i.clusterName } },
    },
    {
      Sid: "RetagOwnSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:DeleteTags"],
      Resource: ec2("security-group/*"),
      Condition: { ...ownedByThisCluster, Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true" } },
    },
    {
      Sid: "IngressRulesOnOwnSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: ec2("security-group/*"),
      Condition: ownedByThisCluster,
    },
    {
      // Target type ip: the ALB reaches pod ENIs, which carry the nodes' (untagged) group.
      Sid: "IngressRulesOnNodeSecurityGroup",
      Effect: "Allow",
      Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
      Resource: ec2(`security-group/${i.nodeSecurityGroupId}`),
    },
    {
      Sid: "DeleteOwnSecurityGroups",
      Effect: "Allow",
      Action: ["ec2:DeleteSecurityGroup"],
      Resource: ec2("security-group/*"),
      Condition: ownedByThisCluster,
    },
    {
      Sid: "CreateTaggedLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
      Resource: "*",
      Condition: taggedForThisCluster,
    },
    {
      // Listeners and rules carry no cluster tag at creation; they live on our load balancers.
      Sid: "ManageListenersAndRules",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateListener",
        "elasticloadbalancing:DeleteListener",
        "elasticloadbalancing:CreateRule",
        "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:AddListenerCertificates",
        "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:SetRulePriorities",
      ],
      Resource: [
        elb("loadbalancer/app/*/*"),
        elb("loadbalancer/net/*/*"),
        elb("listener/app/*/*/*"),
        elb("listener/net/*/*/*"),
        elb("listener-rule/app/*/*/*"),
        elb("listener-rule/net/*/*/*"),
        elb("targetgroup/*/*"),
      ],
    },
    {
      Sid: "RetagOwnLoadBalancers",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: loadBalancersAndTargetGroups,
      Condition: { ...ownedByThisCluster, Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true" } },
    },
    {
      Sid: "TagListenersAndRules",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
      Resource: [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")],
    },
    {
      Sid: "TagOnCreate",
      Effect: "Allow",
      Action: ["elasticloadbalancing:AddTags"],
      Resource: loadBalancersAndTargetGroups,
      Condition: {
        StringEquals: {
          "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"],
          [`aws:RequestTag/${CLUSTER_TAG}`]: i.clusterName,
        },
      },
    },
    {
      Sid: "ModifyOwnLoadBalancers",
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes",
        "elasticloadbalancing:SetIpAddressType",
        "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets",
        "elasticloadbalancing:DeleteLoadBalancer",
        "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes",
        "elasticloadbalancing:DeleteTargetGroup",
        "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyCapacityReservation",
        "elasticloadbalancing:ModifyIpPools",
      ],
      Resource: loadBalancersAndTargetGroups,
      Condition: ownedByThisCluster,
    },
    {
      Sid: "RegisterPodTargets",
      Effect: "Allow",
      Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
      Resource: elb("targetgroup/*/*"),
    },
  );
}
