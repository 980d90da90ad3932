/** Every migration, in order. Versions are never reused or edited once released: add a new file. */
import * as m001 from "./001-decisions-feedback";
import * as m002 from "./002-decisions-dead-letter";
import * as m003 from "./003-decisions-challenger";
import * as m004 from "./004-console";

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** DDL statements, table names prefixed with `schema` (`"name".` or empty); idempotent so a half-applied manual fix cannot wedge it. */
  readonly up: (schema: string) => readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004];
