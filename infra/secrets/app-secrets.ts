import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { storedSecret } from "./stored-secret";

export interface AppSecretsArgs {
  /** Encrypts the secrets. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** `(purpose) => Secrets Manager name`. */
  readonly secretName: (purpose: string) => string;
  /** Keys issued at once; two let a client move to the new key before the old one is retired. Default: 2. */
  readonly apiKeyCount?: number;
  /** Where everything is (no credentials): endpoints, ports, names, other secrets' ARNs. */
  readonly connection: pulumi.Input<Record<string, unknown>>;
}

/**
 * The application's own secrets: the scoring API's keys (generated; the value is the same
 * comma-separated list `API_KEYS` takes locally) and a connection-details document.
 */
export class AppSecrets extends pulumi.ComponentResource {
  readonly apiKeysArn: pulumi.Output<string>;
  readonly connectionArn: pulumi.Output<string>;

  constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:secrets:AppSecrets", name, {}, opts);
    const parent = { parent: this };
    const keys = Array.from(
      { length: args.apiKeyCount ?? 2 },
      (_, i) => new random.RandomPassword(`${name}-api-key-${i}`, { length: 40, special: false }, parent).result,
    );
    this.apiKeysArn = storedSecret(
      `${name}-api-keys`,
      {
        secretName: args.secretName("api-keys"),
        description: "fraud API keys, comma-separated",
        value: pulumi.all(keys).apply((k) => k.join(",")),
        kmsKeyArn: args.kmsKeyArn,
      },
      parent,
    ).arn;
    this.connectionArn = storedSecret(
      `${name}-connection`,
      {
        secretName: args.secretName("connection"),
        description: "data store endpoints (no credentials)",
        value: pulumi.output(args.connection).apply((c) => JSON.stringify(c)),
        kmsKeyArn: args.kmsKeyArn,
      },
      parent,
    ).arn;
    this.registerOutputs({ apiKeysArn: this.apiKeysArn, connectionArn: this.connectionArn });
  }
}
