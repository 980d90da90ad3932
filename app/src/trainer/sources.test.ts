/**
 * The trainer finds PostgreSQL exactly as the API does: DATABASE_URL locally, or the cluster's
 * DATABASE_HOST/PORT/NAME/TLS with the RDS master secret (read through the SecretReader).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pgConnectionConfig } from "../config/database";
import { ConfigError } from "../config/config-error";
import { thrownProblems } from "../testing/thrown-problems";
import { main } from "./main";
import { loadSource, trainerDatabase } from "./sources";

const CLUSTER_ENV = {
  DATABASE_HOST: "fraud.abc.eu-west-1.rds.amazonaws.com",
  DATABASE_PORT: "5433",
  DATABASE_NAME: "fraud",
  DATABASE_TLS: "true",
  DATABASE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1",
};

function fakeSecrets(secrets: Record<string, string>) {
  const reads: string[] = [];
  const read = async (arn: string): Promise<string> => {
    reads.push(arn);
    const s = secrets[arn];
    if (s === undefined) throw new Error(`no secret ${arn}`);
    return s;
  };
  return { read, reads };
}

describe("trainer database settings", () => {
  it("cluster form: host, port, name and TLS from the environment, user and password from the RDS secret", async () => {
    const db = trainerDatabase(CLUSTER_ENV);
    expect(db).toEqual({
      kind: "postgres",
      url: undefined,
      host: CLUSTER_ENV.DATABASE_HOST,
      port: 5433,
      database: "fraud",
      tls: true,
      secretArn: CLUSTER_ENV.DATABASE_SECRET_ARN,
    });
    const secrets = fakeSecrets({ [CLUSTER_ENV.DATABASE_SECRET_ARN]: JSON.stringify({ username: "fraud_admin", password: "s3cr3t" }) });
    expect(await pgConnectionConfig(db!, secrets.read)).toEqual({
      host: CLUSTER_ENV.DATABASE_HOST,
      port: 5433,
      database: "fraud",
      user: "fraud_admin",
      password: "s3cr3t",
      ssl: { rejectUnauthorized: true },
    });
    expect(secrets.reads).toEqual([CLUSTER_ENV.DATABASE_SECRET_ARN]);
  });

  it("URL form: the connection string as given, no secret read", async () => {
    const db = trainerDatabase({ DATABASE_URL: "postgres://u@localhost:5432/fraud" });
    const secrets = fakeSecrets({});
    expect(await pgConnectionConfig(db!, secrets.read)).toEqual({ connectionString: "postgres://u@localhost:5432/fraud" });
    expect(secrets.reads).toEqual([]);
  });

  it("both forms at once is an error, listed with every other problem", () => {
    expect(
      thrownProblems(ConfigError, () =>
        trainerDatabase({ ...CLUSTER_ENV, DATABASE_URL: "postgres://x/y", DATABASE_PORT: "0", DATABASE_TLS: "yes" }),
      ),
    ).toEqual([
      'DATABASE_PORT="0": expected an integer in [1, 65535]',
      'DATABASE_TLS="yes": expected true or false',
      "set either DATABASE_URL or DATABASE_HOST, not both",
    ]);
  });

  it("--database-url replaces both environment forms; neither set means no database", () => {
    expect(trainerDatabase(CLUSTER_ENV, "postgres://local/test")).toMatchObject({ url: "postgres://local/test", host: undefined });
    expect(trainerDatabase({})).toBeUndefined();
  });

  it("a secret read failure reaches the caller instead of connecting without credentials", async () => {
    await expect(pgConnectionConfig(trainerDatabase(CLUSTER_ENV)!, fakeSecrets({}).read)).rejects.toThrow(/no secret arn:aws/);
  });

  it("--source postgres without a database names both variables", async () => {
    await expect(loadSource({ source: "postgres", maxBadShare: 0, readSecret: fakeSecrets({}).read })).rejects.toThrow(
      "--source postgres needs DATABASE_URL or DATABASE_HOST (or --database-url)",
    );
  });
});

describe("source notes", () => {
  it("report optional values outside the API's vocabulary, kept as absent, beside the bad rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sources-test-"));
    try {
      const data = join(dir, "data.csv");
      writeFileSync(
        data,
        [
          "transaction_id,timestamp,card_id,merchant_id,amount,label,channel",
          "t1,2018-04-01T10:00:00Z,c1,m1,10,0,moto",
          "t2,2018-04-01T10:01:00Z,c1,m1,10,0,pos",
          "t3,2018-04-01T10:02:00Z,c1,m1,-1,0,pos",
          "t4,2018-04-01T10:03:00Z,c1,m1,10,0,moto",
        ].join("\n"),
      );
      const src = await loadSource({ source: "csv", data, maxBadShare: 0.5, readSecret: fakeSecrets({}).read });
      expect(src.dataset.size).toBe(3);
      expect(src.notes).toEqual([
        "1 bad rows of 4 skipped (allowed share 0.5); first: line 4: amount must be a number > 0",
        'channel: 2 values outside pos|ecom|atm kept as absent (rows kept), e.g. "moto"',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("trainer CLI database configuration", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("exits 2 with the configuration problem when both forms are set", async () => {
    for (const [k, v] of Object.entries(CLUSTER_ENV)) vi.stubEnv(k, v);
    vi.stubEnv("DATABASE_URL", "postgres://x/y");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    expect(await main(["train", "--source", "postgres", "--registry", "/nonexistent"])).toBe(2);
    expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toContain("set either DATABASE_URL or DATABASE_HOST, not both");
  });
});
