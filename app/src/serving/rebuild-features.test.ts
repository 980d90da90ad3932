import Redis from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DAY_MS } from "../domain/time";
import { computeFeatures, featureConfig } from "../features/compute";
import { historyReachMs } from "../features/rebuild";
import { RedisFeatureStore } from "../features/redis-store";
import { FEATURE_NAMES, type FraudLabel, type Transaction } from "../features/types";
import { simulateDays, type SimulatedTransaction } from "../sim/simulator";
import { DecisionLog } from "../store/decision-log";
import type { DecisionRecord } from "../store/decision-record";
import { migrate } from "../store/migrate";
import { postgresClient, type SqlClient } from "../store/sql";
import { describeWithPostgres, describeWithRedis, uniqueTestName } from "../testing/services";
import { silentLogger } from "./log";
import { deletePrefix, runFeatureRebuild } from "./rebuild-features";

const cfg = featureConfig();

function record(t: SimulatedTransaction): DecisionRecord {
  return {
    transactionId: t.transactionId,
    occurredAt: t.timestamp,
    cardId: t.cardId,
    merchantId: t.merchantId,
    amount: t.amount,
    currency: t.currency,
    channel: t.channel,
    score: 0.1,
    decision: "approve",
    modelVersion: "v1",
    degraded: false,
    reasons: [],
  };
}

interface LabelReport {
  readonly label: FraudLabel;
  readonly fraud: boolean;
}

/**
 * The labels an operator's webhooks send, in the order they arrive: every fraud at its report
 * time; every third one withdrawn a day later (a reversed chargeback), then its fraud report
 * retried after that (which must change nothing). Only reports before `cutoff`.
 */
function labelReports(history: readonly SimulatedTransaction[], cutoff: number): LabelReport[] {
  const reports: { at: number; report: LabelReport }[] = [];
  let frauds = 0;
  for (const t of history) {
    if (t.label !== 1 || t.labelReportedAt === undefined) continue;
    const label = (knownAt: number): FraudLabel => ({
      transactionId: t.transactionId,
      merchantId: t.merchantId,
      timestamp: t.timestamp,
      knownAt,
    });
    const reported = Math.max(t.timestamp, t.labelReportedAt);
    reports.push({ at: reported, report: { label: label(reported), fraud: true } });
    if (frauds++ % 3 === 0) {
      reports.push({ at: reported + DAY_MS, report: { label: label(reported + DAY_MS), fraud: false } });
      reports.push({ at: reported + DAY_MS + 1, report: { label: label(reported), fraud: true } });
    }
  }
  return reports
    .filter((r) => r.at < cutoff)
    .sort((a, b) => a.at - b.at)
    .map((r) => r.report);
}

describeWithPostgres("feature rebuild from the decision log", (databaseUrl) => {
  describeWithRedis("into Redis", (redisUrl) => {
    const name = uniqueTestName("rebuild");
    let sql: SqlClient;
    let redis: Redis;
    beforeAll(async () => {
      sql = postgresClient({ connectionString: databaseUrl });
      await sql.query(`CREATE SCHEMA "${name}"`);
      await migrate(sql, name);
      redis = new Redis(redisUrl);
    });
    afterAll(async () => {
      await deletePrefix(redis, `${name}:`);
      redis.disconnect();
      await sql.query(`DROP SCHEMA "${name}" CASCADE`);
      await sql.close();
      // SCAN walks the whole keyspace: slow while another run fills Redis
    }, 120_000);

    it("gives the next transactions the vectors of a store that lost nothing, from the default window, twice over", async () => {
      const days = [
        ...simulateDays({ days: 50, cards: 150, merchants: 60, seed: 18, compromisedMerchantsPerDay: 0.3, compromisedCardsPerDay: 0.5 }),
      ];
      const history = days.slice(0, -1).flat();
      const next: Transaction[] = days.at(-1)!;
      const reports = labelReports(history, next[0].timestamp);

      // Serving: each transaction scored as it happens, each label applied when it is reported
      // (before the transactions of that instant); the decisions and labels go to PostgreSQL.
      const live = new RedisFeatureStore(redis, { keyPrefix: `${name}:live:` });
      const log = new DecisionLog(sql, { schema: name, capacity: 1 });
      let r = 0;
      for (let i = 0; i < history.length;) {
        let j = i;
        while (j < history.length && !(r < reports.length && reports[r].label.knownAt <= history[j].timestamp)) j++;
        if (j > i) {
          await live.observeMany(history.slice(i, j));
          await log.insertMissing(history.slice(i, j).map(record));
          i = j;
        }
        for (; r < reports.length && (i === history.length || reports[r].label.knownAt <= history[i].timestamp); r++) {
          const { label, fraud } = reports[r];
          await (fraud ? live.recordFraudLabel(label) : live.retractFraudLabel(label));
          await log.recordFeedback({ transactionId: label.transactionId, label: fraud ? "fraud" : "legit", reportedAt: label.knownAt });
        }
      }
      expect(r).toBe(reports.length);

      const rebuild = () =>
        runFeatureRebuild({
          database: { kind: "postgres", url: databaseUrl, port: 5432, tls: false },
          redis: { url: redisUrl, tls: false },
          readSecret: () => Promise.reject(new Error("no secrets here")),
          labelDelayMs: cfg.labelDelayMs,
          keyPrefix: `${name}:rebuilt:`,
          schema: name,
          log: silentLogger,
        });
      const first = await rebuild();
      const newest = history.at(-1)!.timestamp;
      expect(first.since).toBe(new Date(newest - historyReachMs(cfg.labelDelayMs)).toISOString());
      const inWindow = history.filter((t) => t.timestamp >= newest - historyReachMs(cfg.labelDelayMs)).length;
      // the window leaves out what no read reaches any more
      expect(first.transactions).toBe(inWindow);
      expect(inWindow).toBeLessThan(history.length);
      expect(first.alreadyRecorded).toBe(0);
      expect(first.fraudLabels).toBeGreaterThan(5);
      expect(first.legitLabels).toBeGreaterThan(1);
      // a second run into the same store changes nothing
      const second = await rebuild();
      expect(second.alreadyRecorded).toBe(second.transactions);

      const rebuilt = new RedisFeatureStore(redis, { keyPrefix: `${name}:rebuilt:` });
      const want = await live.observeMany(next);
      const got = await rebuilt.observeMany(next);
      let risky = 0;
      for (let i = 0; i < next.length; i++) {
        const a = computeFeatures(next[i], want[i].snapshot, cfg);
        const b = computeFeatures(next[i], got[i].snapshot, cfg);
        expect([...b], next[i].transactionId).toEqual([...a]);
        if (a[FEATURE_NAMES.indexOf("merchant_fraud_risk_30d")] > 0) risky++;
      }
      // the labels reached the vectors compared
      expect(risky).toBeGreaterThan(0);
    }, 120_000);
  });
});
