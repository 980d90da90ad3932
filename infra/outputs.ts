import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "./platform";

/**
 * The stack outputs: the one place they are declared. CI reads them with
 * `pulumi stack output --json` (see README, section infra); renaming one is a breaking change.
 */
export interface StackOutputs {
  readonly vpcId: pulumi.Output<string>;
}

export function stackOutputs(platform: Platform): StackOutputs {
  const p = platform.exports;
  return {
    vpcId: p.vpcId,
  };
}
