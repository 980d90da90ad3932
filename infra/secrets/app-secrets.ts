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
 * comma-separated list `API_KEYS` takes locally), the analyst console's logins (a generated
 * `analyst` password and the key that signs console sessions, in the JSON `CONSOLE_USERS` takes
 * locally; add users by editing the secret, the API re-reads it every 5 minutes) and a
 * connection-details document.
 */
export class AppSecrets extends pulumi.ComponentResource {
  readonly apiKeysArn: pulumi.Output<string>;
  readonly consoleUsersArn: pulumi.Output<string>;
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
    const analyst = new random.RandomPassword(`${name}-console-analyst`, { length: 24, special: false }, parent).result;
    const sessionKey = new random.RandomPassword(`${name}-console-session-key`, { length: 48, special: false }, parent).result;
    this.consoleUsersArn = storedSecret(
      `${name}-console-users`,
      {
        secretName: args.secretName("console-users"),
        description: "analyst console logins (JSON: users, sessionKey)",
        value: pulumi
          .all([analyst, sessionKey])
          .apply(([password, key]) => JSON.stringify({ users: [{ name: "analyst", role: "analyst", password }], sessionKey: key })),
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
    this.registerOutputs({ apiKeysArn: this.apiKeysArn, consoleUsersArn: this.consoleUsersArn, connectionArn: this.connectionArn });
  }
}
