/**
 * drift-retrain: run by the drift-retrain CronJob (infra/workloads/drift-retrain.ts) every few
 * minutes. When a drift alert has fired long enough, and no drift-triggered run started within the
 * minimum interval, and no trainer Job is running, it creates a Job from the trainer CronJob (what
 * `kubectl create job --from=cronjob/fraud-trainer` does) and records the time on the CronJob.
 * Prints its decision as one JSON line; exits 1 when Prometheus or the API server fails.
 */
import { ENV } from "./config/deploy-contract";
import { queryFiringAlerts, inClusterAccess, KubeClient } from "./retrain/clients";
import { decideRetrain, jobFromCronJob, LAST_TRIGGER_ANNOTATION, lastTriggeredAt, unfinishedJobs } from "./retrain/decide";

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const v = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return v;
}

async function main(): Promise<void> {
  const prometheusUrl = process.env[ENV.prometheusUrl];
  if (!prometheusUrl) throw new Error(`${ENV.prometheusUrl} is required`);
  const cronJobName = process.env[ENV.trainerCronJob] ?? "fraud-trainer";
  const alertnames = (process.env[ENV.driftAlerts] ?? "FraudFeatureDrift,FraudScoreDrift").split(",").filter(Boolean);
  const policy = {
    alertForMs: positive(ENV.driftAlertForMinutes, 30) * 60_000,
    firingForMs: positive(ENV.driftRetrainAfterMinutes, 60) * 60_000,
    minIntervalMs: positive(ENV.driftRetrainMinIntervalHours, 24) * 3_600_000,
  };
  const kube = new KubeClient(inClusterAccess());
  const [alerts, cronJob] = await Promise.all([queryFiringAlerts(prometheusUrl, alertnames), kube.getCronJob(cronJobName)]);
  const selector = Object.entries(cronJob.spec.jobTemplate.metadata?.labels ?? {})
    .filter(([k]) => k === "app.kubernetes.io/name")
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const running = unfinishedJobs(await kube.listJobs(selector || `app.kubernetes.io/name=${cronJobName}`));
  const now = Date.now();
  const decision = decideRetrain({ now, alerts, lastTriggeredAt: lastTriggeredAt(cronJob), runningJobs: running }, policy);
  let job: string | undefined;
  if (decision.retrain) {
    job = await kube.createJob(jobFromCronJob(cronJob, now, decision.reason));
    await kube.annotateCronJob(cronJobName, { [LAST_TRIGGER_ANNOTATION]: new Date(now).toISOString() });
  }
  process.stdout.write(`${JSON.stringify({ msg: "drift-retrain", retrain: decision.retrain, reason: decision.reason, job })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${JSON.stringify({ msg: "drift-retrain failed", error: err instanceof Error ? err.message : String(err) })}\n`);
  process.exit(1);
});
