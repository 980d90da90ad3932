import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../stacks/settings";
import { Keys } from "./keys/keys";
import { stackPrefix } from "./naming";
import { Network } from "./network/network";

export interface PlatformArgs {
  readonly settings: Settings;
}

/**
 * What the AWS platform hands to the Kubernetes workloads (issue 3) and to the stack outputs.
 * Everything a workload needs is here, typed; nothing else in the platform is public API.
 */
export interface PlatformExports {
  readonly vpcId: pulumi.Output<string>;
  readonly vpcCidr: string;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  readonly keyArns: Keys["arns"];
}

/** The AWS data platform of one stack: every component, wired together from the settings. */
export class Platform extends pulumi.ComponentResource {
  readonly exports: PlatformExports;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:index:Platform", name, {}, opts);
    const s = args.settings;
    const prefix = stackPrefix(s.project, s.stack);
    const parent = { parent: this };

    const keys = new Keys("keys", { aliasPrefix: prefix }, parent);
    const network = new Network(
      "net",
      {
        cidr: s.network.vpcCidr,
        azCount: s.network.azCount,
        natGateways: s.network.natGateways,
        interfaceEndpointAzs: s.network.interfaceEndpointAzs,
        logRetentionDays: s.logs.retentionDays,
        logsKeyArn: keys.arns.logs,
        namePrefix: prefix,
      },
      parent,
    );

    this.exports = {
      vpcId: network.vpcId,
      vpcCidr: network.cidr,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      isolatedSubnetIds: network.isolatedSubnetIds,
      keyArns: keys.arns,
    };
    this.registerOutputs({ vpcId: network.vpcId });
  }
}
