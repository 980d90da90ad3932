/**
 * Production databases keep automated backups long enough to recover from a bad deploy found late.
 * @severity high · @topics resilience, data-loss · production rule (advisory outside strictStacks)
 */
import type { ResourceRule } from "../../lib/policy";

/** A week covers a weekend plus the time to notice; our prod stack keeps 30 days. */
export const MIN_BACKUP_RETENTION_DAYS = 7;

export const rdsBackups: ResourceRule = {
  name: "aws-rds-backup-retention",
  description: `Production RDS instances and clusters keep automated backups for at least ${MIN_BACKUP_RETENTION_DAYS} days.`,
  remediation: `set backupRetentionPeriod to ${MIN_BACKUP_RETENTION_DAYS} or more (the prod stack uses 30).`,
  severity: "high",
  production: true,
  types: ["aws:rds/instance:Instance", "aws:rds/cluster:Cluster"],
  check: (p) => {
    const days = p.backupRetentionPeriod;
    if (typeof days !== "number") return ["backupRetentionPeriod is not set: the AWS default is 1 day (0 disables backups)."];
    return days >= MIN_BACKUP_RETENTION_DAYS ? [] : [`backupRetentionPeriod is ${days} day(s).`];
  },
};
