/**
 * `npm run drill:restore -- [--days N --cards N --merchants N --seed N | --bench]`: the restore
 * drill (restore-drill.ts) against the PostgreSQL at TEST_DATABASE_URL's server (it creates and drops
 * its own databases) and the Redis at TEST_REDIS_URL (its own key prefixes), as the tests find them.
 * Needs pg_dump and pg_restore (Debian's postgresql-client). `--bench` is bench:train's data set
 * (180 days, 5,000 cards, 10,000 merchants). Prints each step's duration and counts, then one JSON
 * line; exits 1 when a decision or a vector of the restored API differs from the control's.
 */
import { createLogger, errorMessage } from "../serving/log";
import type { SimulationOptions } from "../sim/simulator";
import { runRestoreDrill } from "./restore-drill";

const USAGE = "usage: drill:restore [--days N] [--cards N] [--merchants N] [--seed N] [--batch N] | --bench";

function parseArgs(argv: readonly string[]): { simulation: SimulationOptions; batchSize: number } {
  const o = { days: 45, cards: 400, merchants: 800, seed: 18, batch: 500 };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    if (key === "bench") {
      Object.assign(o, { days: 180, cards: 5000, merchants: 10_000 });
      continue;
    }
    const value = Number(argv[++i]);
    if (!(key in o) || !Number.isInteger(value) || value < 1) {
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
    }
    o[key as keyof typeof o] = value;
  }
  return { simulation: { days: o.days, cards: o.cards, merchants: o.merchants, seed: o.seed }, batchSize: o.batch };
}

async function main(): Promise<void> {
  const { simulation, batchSize } = parseArgs(process.argv.slice(2));
  const log = createLogger("warn", { service: "drill" });
  const say = (line: string) => process.stderr.write(`drill: ${line}\n`);
  say(`simulating ${simulation.days} days, ${simulation.cards} cards, ${simulation.merchants} merchants (seed ${simulation.seed})`);
  const r = await runRestoreDrill({
    databaseUrl: process.env.TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test",
    redisUrl: process.env.TEST_REDIS_URL || "redis://127.0.0.1:6379",
    simulation,
    batchSize,
    log,
  });
  say(`history: ${r.history.transactions} transactions and ${r.history.labels} labels scored through both APIs in ${r.history.seconds} s`);
  say(`pg_dump: ${r.dump.decisions} decisions, ${r.dump.feedback} labels, ${(r.dump.bytes / 1e6).toFixed(1)} MB in ${r.dump.seconds} s`);
  say(`loss: database dropped, ${r.loss.redisKeysFlushed} Redis keys flushed`);
  say(`pg_restore into a fresh database: ${r.restore.decisions} decisions, ${r.restore.feedback} labels in ${r.restore.seconds} s`);
  say(
    `rebuild-features: ${r.rebuild.transactions} transactions since ${r.rebuild.since}, ${r.rebuild.fraudLabels} fraud and ` +
      `${r.rebuild.legitLabels} legit labels in ${r.rebuild.seconds} s`,
  );
  say(
    `next day: ${r.next.transactions} transactions, ${r.next.sameDecisions} same decisions, ${r.next.sameVectors} same vectors, ` +
      `${r.next.degraded} degraded`,
  );
  for (const m of r.mismatches.slice(0, 5))
    say(`MISMATCH ${m.what} ${m.transactionId}: control ${JSON.stringify(m.control)} restored ${JSON.stringify(m.restored)}`);
  process.stdout.write(`${JSON.stringify({ ...r, mismatches: r.mismatches.length })}\n`);
  const ok =
    r.mismatches.length === 0 &&
    r.next.degraded === 0 &&
    r.next.transactions > 0 &&
    r.restore.decisions === r.dump.decisions &&
    r.restore.feedback === r.dump.feedback;
  if (!ok) {
    say("FAILED: the restored platform does not score as the control does");
    process.exitCode = 1;
  } else say("passed: the restored platform scores the next day exactly as the control");
}

main().catch((err: unknown) => {
  process.stderr.write(`drill:restore failed: ${errorMessage(err)}\n`);
  process.exit(1);
});
