import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { serviceSecurityGroup } from "../network/security-groups";
import { POSTGRES_PARAMETERS, postgresFamily } from "./postgres";
import { restoreInputs, type DatabaseRestore } from "./restore";

export const POSTGRES_PORT = 5432;
export const DATABASE_NAME = "fraud";
const MASTER_USERNAME = "fraud_admin";
const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

export interface DatabaseArgs {
  /** PostgreSQL major (`16`) or major.minor (`16.4`); minor upgrades are automatic. */
  readonly engineVersion: string;
  /** RDS instance class (`db.r7g.large`). */
  readonly instanceClass: string;
  /** gp3 storage at creation, in GiB. */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling, in GiB. */
  readonly maxAllocatedStorageGiB: number;
  /** A standby in a second AZ with automatic failover. */
  readonly multiAz: boolean;
  /** Refuse to delete the instance (prod). */
  readonly deletionProtection: boolean;
  /** Days of automated backups and point-in-time recovery (at least 1: never disabled). */
  readonly backupRetentionDays: number;
  /**
   * Create the instance from a snapshot or a point in time instead of empty: a new instance with an
   * identifier of its own, which the stack then uses (docs/runbook.md). Default: none.
   */
  readonly restore?: DatabaseRestore;
  /** The VPC of the instance's security group. */
  readonly vpcId: pulumi.Input<string>;
  /** Isolated subnets (no route to the internet), at least two AZs. */
  readonly subnetIds: pulumi.Input<string>[];
  /** Members of this group (the workload nodes) may connect; nothing else. */
  readonly clientSecurityGroupId: pulumi.Input<string>;
  /** Performance Insights retention, in days. Default: 7 (the free tier). */
  readonly performanceInsightsRetentionDays?: number;
  /** Storage, Performance Insights. */
  readonly dataKeyArn: pulumi.Input<string>;
  /** The RDS-managed master password secret. */
  readonly secretsKeyArn: pulumi.Input<string>;
  /** Encrypts the exported PostgreSQL log groups. */
  readonly logsKeyArn: pulumi.Input<string>;
  /** Retention of the exported PostgreSQL log groups, in days. */
  readonly logRetentionDays: number;
  /** Identifier prefix, e.g. `fraud-platform-prod`. */
  readonly namePrefix: string;
}

/** The defaults of `DatabaseArgs`. */
export const DATABASE_DEFAULTS = { performanceInsightsRetentionDays: 7 } as const satisfies Partial<DatabaseArgs>;

/**
 * RDS for PostgreSQL in the isolated subnets: never public, TLS forced by the parameter group,
 * storage and Performance Insights encrypted with our key, the master password generated and
 * rotated by RDS in Secrets Manager (never in code or in the Pulumi state), a final snapshot on
 * delete, automated backups kept after it, and a restore from a snapshot or a point in time as an
 * argument.
 */
export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: number = POSTGRES_PORT;
  readonly databaseName: string = DATABASE_NAME;
  /** The RDS instance identifier (a restore gives a new one). */
  readonly identifier: pulumi.Output<string>;
  /** The RDS-managed secret (JSON with username and password). */
  readonly masterSecretArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("fraud-platform:data:Database", name, {}, opts);
    const parent = { parent: this };
    const sg = serviceSecurityGroup(
      `${name}-postgres`,
      {
        vpcId: args.vpcId,
        port: POSTGRES_PORT,
        clientSecurityGroupId: args.clientSecurityGroupId,
        description: "PostgreSQL: TLS clients from workload nodes only",
      },
      parent,
    );
    const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, description: "isolated data subnets" }, parent);
    const family = postgresFamily(args.engineVersion);
    const params = new aws.rds.ParameterGroup(
      `${name}-params`,
      { family, description: "fraud-platform: TLS only", parameters: POSTGRES_PARAMETERS.map((p) => ({ ...p, applyMethod: "immediate" })) },
      parent,
    );
    const restored = restoreInputs(`${args.namePrefix}-postgres`, args.restore);
    const identifier = restored.identifier;
    // RDS exports to these fixed names and would create them unencrypted with no expiry; ours come first.
    const logGroups = POSTGRES_LOG_EXPORTS.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${log}-logs`,
          { name: `/aws/rds/instance/${identifier}/${log}`, retentionInDays: args.logRetentionDays, kmsKeyId: args.logsKeyArn },
          parent,
        ),
    );
    const snapshotSuffix = new random.RandomString(`${name}-final-snapshot-suffix`, { length: 6, special: false, upper: false }, parent);
    const db = new aws.rds.Instance(
      `${name}-postgres`,
      {
        identifier,
        engine: "postgres",
        engineVersion: args.engineVersion,
        instanceClass: args.instanceClass,
        // A restored instance takes its database and master user from the backup.
        ...(args.restore ? { snapshotIdentifier: restored.snapshotIdentifier, restoreToPointInTime: restored.restoreToPointInTime } : {}),
        ...(args.restore ? {} : { dbName: DATABASE_NAME, username: MASTER_USERNAME }),
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: args.secretsKeyArn,
        port: POSTGRES_PORT,
        dbSubnetGroupName: subnets.name,
        vpcSecurityGroupIds: [sg.id],
        publiclyAccessible: false,
        parameterGroupName: params.name,
        storageType: "gp3",
        allocatedStorage: args.allocatedStorageGiB,
        maxAllocatedStorage: args.maxAllocatedStorageGiB,
        storageEncrypted: true,
        kmsKeyId: args.dataKeyArn,
        multiAz: args.multiAz,
        deletionProtection: args.deletionProtection,
        backupRetentionPeriod: args.backupRetentionDays,
        // Deleting the instance (or replacing it by a restore) keeps its automated backups for their
        // retention: point-in-time recovery of a deleted instance stays possible.
        deleteAutomatedBackups: false,
        copyTagsToSnapshot: true,
        skipFinalSnapshot: false,
        // The suffix lives as long as the stack: a stack destroyed, created again and destroyed
        // again does not collide with the first final snapshot, which is kept.
        finalSnapshotIdentifier: pulumi.interpolate`${identifier}-final-${snapshotSuffix.result}`,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: args.dataKeyArn,
        performanceInsightsRetentionPeriod: args.performanceInsightsRetentionDays ?? DATABASE_DEFAULTS.performanceInsightsRetentionDays,
        enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
        autoMinorVersionUpgrade: true,
        iamDatabaseAuthenticationEnabled: true,
        caCertIdentifier: "rds-ca-rsa2048-g1",
        applyImmediately: false,
      },
      // A protected database is never deleted by Pulumi, not even when a restore replaces it: the old
      // instance stays (deletion protection on) until an operator has checked the new one (runbook).
      { parent: this, dependsOn: logGroups, retainOnDelete: args.deletionProtection },
    );
    this.identifier = db.identifier;
    this.address = db.address;
    this.masterSecretArn = db.masterUserSecrets.apply((s) => {
      if (!s?.[0]?.secretArn) throw new Error(`RDS ${identifier} returned no managed master secret`);
      return s[0].secretArn;
    });
    this.registerOutputs({ address: this.address, identifier: this.identifier, masterSecretArn: this.masterSecretArn });
  }
}
