/** Where training data comes from: a CSV file (local, simulator) or the API's PostgreSQL log (AWS). */
import { statSync } from "node:fs";
import { readPostgresSettings, type PostgresSettings } from "../config/database";
import { ENV } from "../config/deploy-contract";
import { EnvReader, type Env } from "../config/env-reader";
import type { SecretReader } from "../config/secrets";
import { loadCsv } from "./csv-reader";
import type { LoadResult } from "./load-result";
import type { OutOfVocabulary } from "./row-checks";
import { loadPostgres } from "./postgres-source";
import { inSpan } from "../telemetry/tracing";
import { progressBar } from "./progress";

export interface SourceArgs {
  readonly source: "csv" | "postgres";
  /** CSV path (source csv). */
  readonly data?: string;
  /** source postgres: where the API's decision log is (see trainerDatabase). */
  readonly database?: PostgresSettings;
  /** Reads the RDS master secret when `database` names one. */
  readonly readSecret: SecretReader;
  readonly schema?: string;
  readonly maxBadShare: number;
}

export interface LoadedSource extends LoadResult {
  /** For logs and reports. */
  readonly name: string;
  /** Lines for the report: bad rows, values kept as absent, ignored columns. */
  readonly notes: string[];
}

/**
 * The trainer's database, read exactly as the API reads it (DATABASE_URL, or DATABASE_HOST/PORT/
 * NAME/TLS plus DATABASE_SECRET_ARN in the cluster). A --database-url flag replaces both forms.
 * Throws a ConfigError listing every problem.
 */
export function trainerDatabase(env: Env, databaseUrlFlag?: string): PostgresSettings | undefined {
  const r = new EnvReader(databaseUrlFlag ? { ...env, [ENV.databaseUrl]: databaseUrlFlag, [ENV.databaseHost]: undefined } : env);
  const settings = readPostgresSettings(r);
  r.done();
  return settings;
}

export async function loadSource(a: SourceArgs): Promise<LoadedSource> {
  let result: LoadResult;
  let name: string;
  if (a.source === "csv") {
    if (!a.data) throw new Error("--data <file.csv> is required (or --source postgres)");
    const size = statSync(a.data).size;
    const bar = progressBar("load", size);
    result = await loadCsv(a.data, { maxBadShare: a.maxBadShare, onBytes: (b) => bar.update(b) });
    bar.finish();
    name = a.data;
  } else {
    if (!a.database) throw new Error(`--source postgres needs ${ENV.databaseUrl} or ${ENV.databaseHost} (or --database-url)`);
    const database = a.database;
    result = await inSpan("pg load decisions", { "db.system.name": "postgresql" }, () =>
      loadPostgres({ database, readSecret: a.readSecret, schema: a.schema, maxBadShare: a.maxBadShare }),
    );
    name = `postgres ${a.schema ?? "public"}.decisions + feedback`;
  }
  const notes: string[] = [];
  const b = result.badRows;
  if (b.count > 0) {
    notes.push(
      `${b.count} bad rows of ${b.lines} skipped (allowed share ${a.maxBadShare}); first: ${b.examples
        .slice(0, 5)
        .map((e) => `line ${e.line}: ${e.reason}`)
        .join("; ")}`,
    );
  }
  for (const o of result.outOfVocabulary) notes.push(outOfVocabularyNote(o));
  if (result.ignoredColumns.length) notes.push(`ignored unknown columns: ${result.ignoredColumns.join(", ")}`);
  return { ...result, name, notes };
}

/** E.g. `channel: 12 values outside pos|ecom|atm kept as absent (rows kept), e.g. "moto", "phone"`. */
export function outOfVocabularyNote(o: OutOfVocabulary, withExamples = true): string {
  const note = `${o.column}: ${o.count} values outside ${o.vocabulary} kept as absent`;
  return withExamples ? `${note} (rows kept), e.g. ${o.examples.map((v) => JSON.stringify(v)).join(", ")}` : note;
}
