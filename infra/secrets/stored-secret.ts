import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface StoredSecretArgs {
  /** The Secrets Manager name (`fraud-platform/prod/api-keys`). */
  readonly secretName: string;
  readonly description: string;
  /** The value; wrapped in `pulumi.secret` here so it is encrypted in state whatever the caller passed. */
  readonly value: pulumi.Input<string>;
  readonly kmsKeyArn: pulumi.Input<string>;
  /** Days a deleted secret can be restored (7-30). Default: 30. */
  readonly recoveryWindowDays?: number;
}

export interface StoredSecretRefs {
  readonly arn: pulumi.Output<string>;
  /** The current value's version: it changes with the value, and only then. */
  readonly versionId: pulumi.Output<string>;
}

/** A Secrets Manager secret encrypted with our key, and its current value. */
export function storedSecret(name: string, args: StoredSecretArgs, opts: pulumi.CustomResourceOptions): StoredSecretRefs {
  const secret = new aws.secretsmanager.Secret(
    name,
    { name: args.secretName, description: args.description, kmsKeyId: args.kmsKeyArn, recoveryWindowInDays: args.recoveryWindowDays ?? 30 },
    opts,
  );
  const version = new aws.secretsmanager.SecretVersion(name, { secretId: secret.id, secretString: pulumi.secret(args.value) }, opts);
  return { arn: secret.arn, versionId: version.versionId };
}
