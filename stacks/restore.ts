import type { DatabaseRestore } from "../infra/data/restore";
import type { SectionReader } from "./validate";

/** A snapshot identifier (`rds:<instance>-<date>` for automated ones) or a snapshot ARN. */
const SNAPSHOT = /^((rds:)?[a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:(rds:)?[a-zA-Z][a-zA-Z0-9-]{0,254})$/;
/** An RDS instance identifier: a letter, then letters, digits and single hyphens, at most 63. */
const INSTANCE = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/;
/** ISO 8601 in UTC, to the second, as RDS takes it. */
const UTC_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * `database.restore` (docs/runbook.md, "Restore PostgreSQL"): either `fromSnapshot`, or
 * `sourceInstance` with an optional `toTime` (absent: the latest restorable time). Absent or
 * empty: the database is created empty. Problems go to the reader like any other setting.
 */
export function databaseRestore(s: SectionReader, now: Date = new Date()): DatabaseRestore | undefined {
  const fromSnapshot = s.string("fromSnapshot", { default: "", pattern: SNAPSHOT, describe: "an RDS snapshot identifier or ARN" });
  const sourceInstance = s.string("sourceInstance", { default: "", pattern: INSTANCE, describe: "an RDS instance identifier" });
  const toTime = s.string("toTime", { default: "", pattern: UTC_INSTANT, describe: "an ISO 8601 UTC time such as 2026-12-07T03:15:00Z" });
  if (fromSnapshot && sourceInstance) {
    s.problem(
      "sourceInstance",
      sourceInstance,
      "unset when fromSnapshot is set (restore from a snapshot or from a point in time, not both)",
    );
    return undefined;
  }
  if (toTime && !sourceInstance) s.problem("toTime", toTime, "set only with sourceInstance (the instance whose backups are replayed)");
  if (toTime && UTC_INSTANT.test(toTime)) {
    const t = Date.parse(toTime);
    if (Number.isNaN(t)) s.problem("toTime", toTime, "a real date and time");
    else if (t > now.getTime()) s.problem("toTime", toTime, "a time in the past (point-in-time recovery replays backups up to it)");
  }
  if (fromSnapshot) return { fromSnapshot };
  if (sourceInstance) return toTime ? { sourceInstance, toTime } : { sourceInstance };
  return undefined;
}
