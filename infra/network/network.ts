import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { flowLogsWritePolicy, serviceTrust } from "../identity/documents";
import { subnetLayout } from "./cidr";

export interface NetworkArgs {
  /** The VPC's IPv4 range (/16 to /20). */
  readonly cidr: string;
  /** Availability zones to spread subnets over (the first `azCount` available in the region). */
  readonly azCount: number;
  /** `perAz`: a NAT gateway in every AZ; `single`: one shared by all private subnets. */
  readonly natGateways: "single" | "perAz";
  /** AZs hosting the interface endpoints. Default: `azCount`. */
  readonly interfaceEndpointAzs?: number;
  /** Retention of the flow log group, in days. */
  readonly logRetentionDays: number;
  /** KMS key that encrypts the flow log group (its policy must admit CloudWatch Logs). */
  readonly logsKeyArn: pulumi.Input<string>;
  /** Prefix of the log group name, e.g. `fraud-platform-prod`. */
  readonly namePrefix: string;
  /** Interface endpoints beyond `INTERFACE_ENDPOINTS` (e.g. `xray` when traces go to X-Ray). Default: none. */
  readonly extraInterfaceEndpoints?: readonly string[];
}

/**
 * Interface endpoints private workloads need without NAT: image pulls, IRSA token exchange, secrets,
 * and CloudWatch Logs (Fluent Bit ships through it, so the logging namespace needs no route out).
 */
export const INTERFACE_ENDPOINTS = ["ecr.api", "ecr.dkr", "sts", "secretsmanager", "logs"] as const;

/** How many NAT gateways a layout gets, and which one each AZ's private subnet uses. */
export function natPlan(mode: "single" | "perAz", azCount: number): { count: number; forAz: (az: number) => number } {
  const count = mode === "perAz" ? azCount : 1;
  return { count, forAz: (az) => az % count };
}

/**
 * A VPC with three tiers per AZ: public (load balancers, NAT), private (EKS nodes and pods; egress
 * through NAT) and isolated (data stores; no route to the internet at all). S3 is reached through
 * a gateway endpoint and ECR, STS and Secrets Manager through interface endpoints, so pods never
 * need the NAT for AWS APIs. All traffic is logged to a KMS-encrypted log group.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidr: string;
  readonly availabilityZones: pulumi.Output<string[]>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  /** Private subnets (nodes, pods and the EKS control plane's network interfaces). */
  readonly privateSubnetCidrs: readonly string[];
  /** The subnets holding the interface endpoints' network interfaces (STS, Secrets Manager, ECR). */
  readonly endpointSubnetCidrs: readonly string[];
  /** The ranges of the region's S3 prefix list, which the S3 gateway endpoint routes. */
  readonly s3Cidrs: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:network:Network", name, {}, opts);
    const parent = { parent: this };
    const layout = subnetLayout(args.cidr, args.azCount);
    const zones = aws.getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      parent,
    );
    const azs = zones.names.apply((names) => {
      if (names.length < args.azCount) throw new Error(`the region has ${names.length} available AZs, the stack asks for ${args.azCount}`);
      return names.slice(0, args.azCount);
    });
    const region = aws.getRegionOutput({}, parent).region;

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: { Name: name } },
      parent,
    );
    // The default security group admits all traffic between its members: strip it of every rule so
    // nothing can rely on it by accident.
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id }, parent);
    const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id }, parent);

    const subnet = (tier: "public" | "private" | "isolated", i: number, cidrBlock: string, tags: Record<string, string>) =>
      new aws.ec2.Subnet(
        `${name}-${tier}-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock,
          availabilityZone: azs[i],
          mapPublicIpOnLaunch: false,
          tags: { Name: `${name}-${tier}-${i}`, tier, ...tags },
        },
        parent,
      );
    // The role tags tell the AWS Load Balancer Controller where to place internet-facing and internal LBs.
    const publicSubnets = layout.public.map((c, i) => subnet("public", i, c, { "kubernetes.io/role/elb": "1" }));
    const privateSubnets = layout.private.map((c, i) => subnet("private", i, c, { "kubernetes.io/role/internal-elb": "1" }));
    const isolatedSubnets = layout.isolated.map((c, i) => subnet("isolated", i, c, {}));

    const publicRt = new aws.ec2.RouteTable(
      `${name}-public`,
      { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] },
      parent,
    );
    publicSubnets.forEach(
      (s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRt.id }, parent),
    );

    const nat = natPlan(args.natGateways, args.azCount);
    const gateways = Array.from({ length: nat.count }, (_, i) => {
      const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc" }, parent);
      return new aws.ec2.NatGateway(
        `${name}-nat-${i}`,
        { allocationId: eip.id, subnetId: publicSubnets[i].id, connectivityType: "public" },
        { parent: this, dependsOn: [igw] },
      );
    });
    const privateRts = privateSubnets.map((s, i) => {
      const rt = new aws.ec2.RouteTable(
        `${name}-private-${i}`,
        { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", natGatewayId: gateways[nat.forAz(i)].id }] },
        parent,
      );
      new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: rt.id }, parent);
      return rt;
    });
    const isolatedRt = new aws.ec2.RouteTable(`${name}-isolated`, { vpcId: vpc.id }, parent);
    isolatedSubnets.forEach(
      (s, i) => new aws.ec2.RouteTableAssociation(`${name}-isolated-${i}`, { subnetId: s.id, routeTableId: isolatedRt.id }, parent),
    );

    const s3 = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [...privateRts.map((rt) => rt.id), isolatedRt.id],
      },
      parent,
    );
    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      { vpcId: vpc.id, description: "HTTPS from inside the VPC to AWS interface endpoints" },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-endpoints-https`,
      {
        securityGroupId: endpointSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: args.cidr,
        description: "VPC to endpoints",
      },
      parent,
    );
    const endpointAzs = args.interfaceEndpointAzs ?? args.azCount;
    const endpointSubnets = privateSubnets.slice(0, endpointAzs).map((s) => s.id);
    for (const service of [...INTERFACE_ENDPOINTS, ...(args.extraInterfaceEndpoints ?? [])]) {
      new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(".", "-")}`,
        {
          vpcId: vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: endpointSubnets,
          securityGroupIds: [endpointSg.id],
        },
        parent,
      );
    }

    const identity = aws.getCallerIdentityOutput({}, parent);
    const flowLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-flow-logs`,
      { name: `/${args.namePrefix}/vpc-flow-logs`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn },
      parent,
    );
    const flowRole = new aws.iam.Role(
      `${name}-flow-logs`,
      { assumeRolePolicy: identity.accountId.apply((a) => JSON.stringify(serviceTrust("vpc-flow-logs.amazonaws.com", a))) },
      parent,
    );
    new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      { role: flowRole.id, policy: flowLogGroup.arn.apply((arn) => JSON.stringify(flowLogsWritePolicy(arn))) },
      parent,
    );
    new aws.ec2.FlowLog(
      `${name}-flow-logs`,
      {
        vpcId: vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: flowLogGroup.arn,
        iamRoleArn: flowRole.arn,
        maxAggregationInterval: 60,
      },
      parent,
    );

    this.vpcId = vpc.id;
    this.cidr = args.cidr;
    this.availabilityZones = azs;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
    this.privateSubnetCidrs = layout.private;
    this.endpointSubnetCidrs = layout.private.slice(0, endpointAzs);
    // A gateway endpoint reports its prefix list's CIDRs; `pulumi up --refresh` picks up AWS's rare changes.
    this.s3Cidrs = s3.cidrBlocks.apply((c) => c ?? []);
    this.registerOutputs({
      vpcId: this.vpcId,
      availabilityZones: azs,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
    });
  }
}
