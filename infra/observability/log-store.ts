import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { IrsaRole } from "../identity/irsa-role";
import { logShipperPolicy } from "./documents";
import { containerLogGroupName, OBSERVABILITY_SERVICE_ACCOUNTS } from "./names";
import { savedQueries } from "./queries";

export interface LogStoreArgs {
  /** The EKS cluster: the log group is `/aws/eks/<cluster>/containers`. */
  readonly clusterName: string;
  /** Retention of the container log group, in days (a value CloudWatch accepts). */
  readonly retentionDays: number;
  /** The logs KMS key (its key policy admits CloudWatch Logs of this account and region). */
  readonly logsKeyArn: pulumi.Input<string>;
  /** The cluster's IAM OIDC provider: Fluent Bit's role trusts it. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** Its issuer without `https://`. */
  readonly oidcIssuer: pulumi.Input<string>;
  /** Folder of the saved queries in the console, e.g. `fraud-platform-prod`. */
  readonly queryFolder: string;
  /** `slow-requests` lists requests at least this slow, in ms. Default: 250 (the p99 alert's default). */
  readonly slowRequestMs?: number;
}

/** The defaults of `LogStoreArgs`. */
export const LOG_STORE_DEFAULTS = { slowRequestMs: 250 } as const satisfies Partial<LogStoreArgs>;

/**
 * Where the container logs of every workload go: one KMS-encrypted log group per stack with the
 * stack's retention, the saved Logs Insights queries over it, and the IRSA role Fluent Bit ships
 * with (write streams of that group, nothing else). The shipper itself runs on the cluster
 * (`LogShipper`).
 */
export class LogStore extends pulumi.ComponentResource {
  readonly logGroupName: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  /** Fluent Bit's IRSA role. */
  readonly shipperRoleArn: pulumi.Output<string>;
  /** Saved query names (`<folder>/<id>`). */
  readonly queryNames: pulumi.Output<string>[];

  constructor(name: string, args: LogStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:observability:LogStore", name, {}, opts);
    const parent = { parent: this };
    const group = new aws.cloudwatch.LogGroup(
      `${name}-containers`,
      { name: containerLogGroupName(args.clusterName), retentionInDays: args.retentionDays, kmsKeyId: args.logsKeyArn },
      parent,
    );
    this.queryNames = savedQueries({ slowRequestMs: args.slowRequestMs ?? LOG_STORE_DEFAULTS.slowRequestMs }).map(
      (q) =>
        new aws.cloudwatch.QueryDefinition(
          `${name}-${q.id}`,
          { name: `${args.queryFolder}/${q.id}`, logGroupNames: [group.name], queryString: q.query },
          parent,
        ).name,
    );
    this.shipperRoleArn = new IrsaRole(
      `${name}-shipper`,
      {
        oidcProviderArn: args.oidcProviderArn,
        oidcIssuer: args.oidcIssuer,
        serviceAccounts: [OBSERVABILITY_SERVICE_ACCOUNTS.logShipper],
        policy: group.arn.apply(logShipperPolicy),
        description: "Fluent Bit: write the stack's container log group",
      },
      parent,
    ).roleArn;
    this.logGroupName = group.name;
    this.logGroupArn = group.arn;
    this.registerOutputs({ logGroupName: this.logGroupName, shipperRoleArn: this.shipperRoleArn });
  }
}
