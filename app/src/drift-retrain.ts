/**
 * drift-retrain: run by the drift-retrain CronJob (infra/workloads/drift-retrain.ts) every few
 * minutes. When a drift alert has fired long enough, and no drift-triggered run started within the
 * minimum interval, and no trainer Job is running, it creates a Job from the trainer CronJob (what
 * `kubectl create job --from=cronjob/fraud-trainer` does) and records the time on its Lease.
 * Prints its decision as one JSON line; exits 1 when Prometheus or the API server fails.
 */
import { ENV } from "./config/deploy-contract";
import { inClusterAccess, KubeClient, queryFiringAlerts } from "./retrain/clients";
import { driftRetrain } from "./retrain/run";

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return v;
}

async function main(): Promise<void> {
  const prometheusUrl = process.env[ENV.prometheusUrl];
  if (!prometheusUrl) throw new Error(`${ENV.prometheusUrl} is required`);
  const alertnames = (process.env[ENV.driftAlerts] ?? "FraudFeatureDrift,FraudScoreDrift").split(",").filter(Boolean);
  const result = await driftRetrain(
    {
      cronJobName: process.env[ENV.trainerCronJob] ?? "fraud-trainer",
      leaseName: process.env[ENV.driftRetrainLease] ?? "fraud-drift-retrain",
      policy: {
        alertForMs: positive(ENV.driftAlertForMinutes, 30) * 60_000,
        firingForMs: positive(ENV.driftRetrainAfterMinutes, 60) * 60_000,
        minIntervalMs: positive(ENV.driftRetrainMinIntervalHours, 24) * 3_600_000,
      },
    },
    {
      alerts: () => queryFiringAlerts(prometheusUrl, alertnames),
      kube: new KubeClient(inClusterAccess()),
      now: Date.now,
      warn: (error) => process.stderr.write(`${JSON.stringify({ msg: "drift-retrain warning", error })}\n`),
    },
  );
  process.stdout.write(`${JSON.stringify({ msg: "drift-retrain", ...result })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ msg: "drift-retrain failed", error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
