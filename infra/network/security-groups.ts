import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceSecurityGroupArgs {
  readonly vpcId: pulumi.Input<string>;
  /** The one TCP port clients use. */
  readonly port: number;
  /** Members of this group (the EKS workload nodes, hence their pods) are the only clients admitted. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  readonly description: string;
}

/**
 * The security group of a data store: one ingress rule, from the client group on one port, and
 * no egress (data stores never open connections). Rules are separate resources so a reviewer
 * sees each one in the plan and a policy can judge it alone; no CIDR ingress exists at all.
 */
export function serviceSecurityGroup(
  name: string,
  args: ServiceSecurityGroupArgs,
  opts: pulumi.CustomResourceOptions,
): aws.ec2.SecurityGroup {
  const sg = new aws.ec2.SecurityGroup(name, { vpcId: args.vpcId, description: args.description }, opts);
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-from-nodes`,
    {
      securityGroupId: sg.id,
      ipProtocol: "tcp",
      fromPort: args.port,
      toPort: args.port,
      referencedSecurityGroupId: args.clientSecurityGroupId,
      description: `workload nodes to port ${args.port}`,
    },
    opts,
  );
  return sg;
}
