/**
 * The AWS path reads the API's decision log and feedback (created here by the API's own migrations,
 * so a column rename breaks this test) into the same Dataset the CSV path builds.
 */
import { Client } from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate } from "../store/migrate";
import { postgresClient } from "../store/sql";
import { describeWithPostgres, uniqueTestName } from "../testing/services";
import { eventOrder } from "./dataset";
import { BadRowsError } from "./load-result";
import { loadPostgres } from "./postgres-source";
import { trainerDatabase } from "./sources";

const noSecrets = (arn: string): Promise<string> => Promise.reject(new Error(`unexpected secret read ${arn}`));

describeWithPostgres("PostgreSQL training source", (databaseUrl) => {
  const schema = uniqueTestName("trainer_pg");
  const client = new Client({ connectionString: databaseUrl });
  const database = trainerDatabase({ DATABASE_URL: databaseUrl })!;

  beforeAll(async () => {
    await client.connect();
    const sql = postgresClient({ connectionString: databaseUrl });
    try {
      await migrate(sql, schema);
    } finally {
      await sql.close();
    }
    const insert = `INSERT INTO ${schema}.decisions (transaction_id, occurred_at, card_id, merchant_id, amount, currency, merchant_category, country, channel, score, decision, model_version, degraded, reasons)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0.1, 'approve', 'v1', false, '[]')`;
    await client.query(insert, ["t2", "2018-04-01T11:00:00Z", "A", "M", "20.00", "EUR", "5411", "BE", "pos"]);
    await client.query(insert, ["t1", "2018-04-01T10:00:00Z", "A", "M", "10.55", null, null, null, null]);
    await client.query(insert, ["t3", "2018-04-01T12:00:00Z", "B", "M", "7", "EUR", null, null, "ecom"]);
    await client.query(
      `INSERT INTO ${schema}.feedback (transaction_id, label, reported_at) VALUES ('t1', 'fraud', '2018-04-02T00:00:00Z'), ('t2', 'legit', '2018-04-03T00:00:00Z')`,
    );
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it("joins decisions with feedback: fraud labels with their report time, no feedback = genuine", async () => {
    const { dataset: d, badRows } = await loadPostgres({ database, readSecret: noSecrets, schema, batchSize: 2 });
    expect(badRows).toMatchObject({ lines: 3, count: 0 });
    const order = Array.from(eventOrder(d));
    const ids = order.map((i) => d.transactionIds[i]);
    expect(ids).toEqual(["t1", "t2", "t3"]);
    const [i1, i2, i3] = order as [number, number, number];
    expect([d.labels[i1], d.labels[i2], d.labels[i3]]).toEqual([1, 0, 0]);
    expect(d.labelReportedAt[i1]).toBe(Date.parse("2018-04-02T00:00:00Z"));
    expect(d.labelReportedAt[i2]).toBeNaN(); // a legit label carries no fraud report time
    expect(d.amounts[i1]).toBe(10.55);
    expect(d.timestamps[i1]).toBe(Date.parse("2018-04-01T10:00:00Z"));
    expect(d.channel.values[d.channel.codes[i3]!]).toBe("ecom");
    expect(d.currency.values[d.currency.codes[i1]!]).toBeUndefined();
  });

  it("connects the cluster way: host, port and name from the environment, user and password from the secret", async () => {
    const u = new URL(databaseUrl);
    const env = {
      DATABASE_HOST: u.hostname,
      DATABASE_PORT: u.port || "5432",
      DATABASE_NAME: decodeURIComponent(u.pathname.slice(1)),
      DATABASE_TLS: "false",
      DATABASE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1",
    };
    const reads: string[] = [];
    const readSecret = async (arn: string): Promise<string> => {
      reads.push(arn);
      return JSON.stringify({ username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
    };
    const { dataset } = await loadPostgres({ database: trainerDatabase(env)!, readSecret, schema });
    expect(dataset.size).toBe(3);
    expect(reads).toEqual([env.DATABASE_SECRET_ARN]);
  });

  it("keeps rows whose optional columns hold values outside the API's vocabulary, as absent, and counts them", async () => {
    await client.query(
      `INSERT INTO ${schema}.decisions (transaction_id, occurred_at, card_id, merchant_id, amount, merchant_category, country, channel, score, decision, model_version, degraded, reasons)
       VALUES ('t4', '2018-04-01T13:00:00Z', 'B', 'M', 3, '12', 'BE', 'phone', 0.1, 'approve', 'v1', false, '[]'),
              ('t5', '2018-04-01T14:00:00Z', 'B', 'M', 4, '5411', 'be', 'moto', 0.1, 'approve', 'v1', false, '[]')`,
    );
    // no bad rows: the strictest share passes
    const r = await loadPostgres({ database, readSecret: noSecrets, schema, maxBadShare: 0 });
    const d = r.dataset;
    expect(r.badRows).toMatchObject({ lines: 5, count: 0 });
    const at = (id: string) => d.transactionIds.indexOf(id);
    expect(d.channel.values[d.channel.codes[at("t4")]!]).toBeUndefined();
    expect(d.merchantCategory.values[d.merchantCategory.codes[at("t4")]!]).toBeUndefined();
    expect(d.country.values[d.country.codes[at("t4")]!]).toBe("BE");
    expect(d.merchantCategory.values[d.merchantCategory.codes[at("t5")]!]).toBe("5411");
    expect(d.country.values[d.country.codes[at("t5")]!]).toBeUndefined();
    expect(r.outOfVocabulary).toEqual([
      { column: "merchant_category", vocabulary: "4-digit MCC", count: 1, examples: ["12"] },
      { column: "country", vocabulary: "ISO 3166 alpha-2", count: 1, examples: ["be"] },
      { column: "channel", vocabulary: "pos|ecom|atm", count: 2, examples: ["phone", "moto"] },
    ]);
  });

  it("counts bad rows and enforces the configured share", async () => {
    await client.query(
      `INSERT INTO ${schema}.decisions (transaction_id, occurred_at, card_id, merchant_id, amount, score, decision, model_version, degraded, reasons)
       VALUES ('t6', '2018-04-01T15:00:00Z', '', 'M', 3, 0.1, 'approve', 'v1', false, '[]')`,
    );
    await expect(loadPostgres({ database, readSecret: noSecrets, schema, maxBadShare: 0.1 })).rejects.toThrow(BadRowsError);
    const r = await loadPostgres({ database, readSecret: noSecrets, schema, maxBadShare: 0.5 });
    expect(r.badRows.count).toBe(1);
    expect(r.badRows.examples[0]!.reason).toMatch(/card_id .*transaction t6/);
  });
});
