import { createHash } from "node:crypto";

/**
 * Where a restored database comes from. A restore always creates a NEW instance (RDS cannot restore
 * in place); the stack then points at it (docs/runbook.md, "Restore PostgreSQL").
 */
export type DatabaseRestore =
  /** A manual or automated snapshot: its identifier (`rds:fraud-platform-prod-postgres-2026-12-07-03-10`) or ARN. */
  | { readonly fromSnapshot: string }
  /**
   * Point-in-time recovery from an instance's automated backups (it may be deleted, while its
   * retained backups last). `toTime`: an ISO 8601 UTC instant inside the backup retention;
   * absent: the latest restorable time (about 5 minutes ago).
   */
  | { readonly sourceInstance: string; readonly toTime?: string };

/** What the RDS instance's arguments become for a restore. */
export interface RestoreInputs {
  /** Identifier of the instance: the stack's own, or a new one per restore source. */
  readonly identifier: string;
  readonly snapshotIdentifier?: string;
  readonly restoreToPointInTime?: {
    readonly sourceDbInstanceIdentifier: string;
    readonly restoreTime?: string;
    readonly useLatestRestorableTime?: boolean;
  };
}

/**
 * The instance's identifier and restore arguments. A restore gets an identifier of its own
 * (`<base>-r<8 hex of the source>`): RDS identifiers are unique, and the new instance must exist
 * beside the one it replaces until the stack has moved to it. The same source always gives the
 * same identifier, so a later `pulumi up` with the setting unchanged changes nothing.
 */
export function restoreInputs(baseIdentifier: string, restore: DatabaseRestore | undefined): RestoreInputs {
  if (restore === undefined) return { identifier: baseIdentifier };
  const tag = createHash("sha256").update(JSON.stringify(restore)).digest("hex").slice(0, 8);
  const identifier = `${baseIdentifier}-r${tag}`;
  if ("fromSnapshot" in restore) return { identifier, snapshotIdentifier: restore.fromSnapshot };
  return {
    identifier,
    restoreToPointInTime: {
      sourceDbInstanceIdentifier: restore.sourceInstance,
      ...(restore.toTime ? { restoreTime: restore.toTime } : { useLatestRestorableTime: true }),
    },
  };
}
