/** Pure decisions for RDS PostgreSQL. */

/** The parameter group family of a version: `16` and `16.4` give `postgres16`. */
export function postgresFamily(engineVersion: string): string {
  const major = /^(\d+)(\.\d+)?$/.exec(engineVersion)?.[1];
  if (!major || Number(major) < 10)
    throw new Error(`PostgreSQL version ${JSON.stringify(engineVersion)}: expected a major (16) or major.minor (16.4) of 10 or later`);
  return `postgres${major}`;
}

/** Parameters every instance gets: TLS is mandatory and slow or failed logins are visible. */
export const POSTGRES_PARAMETERS: ReadonlyArray<{ name: string; value: string }> = [
  { name: "rds.force_ssl", value: "1" },
  { name: "log_connections", value: "1" },
  { name: "log_min_duration_statement", value: "1000" },
];
