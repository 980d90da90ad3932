import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { storedSecret } from "./stored-secret";

/** The workloads' PostgreSQL role names; the migration creates them from these secrets (app/src/store/roles.ts). */
export const DATABASE_ROLES = { api: "fraud_api", trainer: "fraud_trainer" } as const;

export interface DatabaseRoleSecretsArgs {
  /** Encrypts the secrets. */
  readonly kmsKeyArn: pulumi.Input<string>;
  /** `(purpose) => Secrets Manager name`. */
  readonly secretName: (purpose: string) => string;
}

/**
 * One secret per workload database role (JSON {username, password}, a generated password,
 * encrypted with the secrets key), in the shape of the RDS-managed master secret so every process
 * reads its own the same way. The API and stream worker log in as `fraud_api`, the trainer as
 * `fraud_trainer`; only the migration uses the master secret. Rotating one: a new password here
 * (`pulumi up --replace` of its RandomPassword) changes `revision`, which the API's pod template
 * carries, so the same `up` rolls the API out: its migration (an init container) sets the new
 * password in PostgreSQL before the new pods start, and the running ones re-read the secret when
 * the old password is refused.
 */
export class DatabaseRoleSecrets extends pulumi.ComponentResource {
  readonly apiArn: pulumi.Output<string>;
  readonly trainerArn: pulumi.Output<string>;
  /** Changes whenever a role's password does (the secrets' version ids): a pod annotation that rolls the migration out. */
  readonly revision: pulumi.Output<string>;

  constructor(name: string, args: DatabaseRoleSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:secrets:DatabaseRoleSecrets", name, {}, opts);
    const parent = { parent: this };
    const secret = (workload: keyof typeof DATABASE_ROLES) => {
      const password = new random.RandomPassword(`${name}-${workload}-password`, { length: 40, special: false }, parent).result;
      return storedSecret(
        `${name}-${workload}`,
        {
          secretName: args.secretName(`db-${workload}`),
          description: `PostgreSQL role ${DATABASE_ROLES[workload]} (the ${workload}'s): JSON username, password`,
          value: pulumi.jsonStringify({ username: DATABASE_ROLES[workload], password }),
          kmsKeyArn: args.kmsKeyArn,
        },
        parent,
      );
    };
    const api = secret("api");
    const trainer = secret("trainer");
    this.apiArn = api.arn;
    this.trainerArn = trainer.arn;
    this.revision = pulumi.interpolate`${api.versionId},${trainer.versionId}`;
    this.registerOutputs({ apiArn: this.apiArn, trainerArn: this.trainerArn, revision: this.revision });
  }
}
