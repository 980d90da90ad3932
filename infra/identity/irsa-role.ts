import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy, type PolicyDocument, type ServiceAccountRef } from "./documents";

export interface IrsaRoleArgs {
  /** The cluster's IAM OIDC provider ARN. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** The issuer, with or without `https://`. */
  readonly oidcIssuer: pulumi.Input<string>;
  /** The Kubernetes service accounts allowed to assume the role (exact namespace and name). */
  readonly serviceAccounts: readonly ServiceAccountRef[];
  /** Inline permissions (a document or its JSON). Default: none. */
  readonly policy?: pulumi.Input<PolicyDocument | string>;
  /** Managed policies to attach. Default: none. */
  readonly managedPolicyArns?: readonly pulumi.Input<string>[];
  readonly description?: string;
}

/**
 * An IAM role for Kubernetes service accounts (IRSA). The trust policy admits only the given
 * service accounts of this cluster's OIDC issuer, with the STS audience (see `irsaTrustPolicy`).
 * Annotate the service account with `eks.amazonaws.com/role-arn: <roleArn>`.
 */
export class IrsaRole extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: IrsaRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:identity:IrsaRole", name, {}, opts);
    const trust = pulumi
      .all([args.oidcProviderArn, args.oidcIssuer])
      .apply(([arn, issuer]) => JSON.stringify(irsaTrustPolicy(arn, issuer, args.serviceAccounts)));
    const role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: trust, description: args.description, maxSessionDuration: 3600 },
      { parent: this },
    );
    // Resolves only once the permissions are attached, so pods never start with a half-made role.
    const attached: pulumi.CustomResource[] = [];
    if (args.policy !== undefined) {
      const doc = pulumi.output(args.policy).apply((p) => (typeof p === "string" ? p : JSON.stringify(p)));
      attached.push(new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy: doc }, { parent: this }));
    }
    (args.managedPolicyArns ?? []).forEach((arn, i) =>
      attached.push(new aws.iam.RolePolicyAttachment(`${name}-managed-${i}`, { role: role.name, policyArn: arn }, { parent: this })),
    );
    this.roleArn = pulumi.all(attached.map((r) => r.id)).apply(() => role.arn);
    this.roleName = role.name;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
