import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { queryFiringAlerts } from "./clients";
import {
  decideRetrain,
  firingAlerts,
  jobFromCronJob,
  LAST_TRIGGER_ANNOTATION,
  lastTriggeredAt,
  TRIGGER_LABEL,
  unfinishedJobs,
  withLastTrigger,
  type FiringAlert,
} from "./decide";

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy = { alertForMs: 30 * MIN, firingForMs: 60 * MIN, minIntervalMs: 24 * HOUR };
const now = Date.UTC(2026, 5, 1, 12);
const alert = (activeMinutesAgo: number, feature = "amount"): FiringAlert => ({
  alertname: "FraudFeatureDrift",
  labels: { feature, severity: "warning" },
  activeAt: now - activeMinutesAgo * MIN,
});

describe("retrain on drift: the decision", () => {
  it("waits for an alert to have fired for the configured time (after its own 30-minute for)", () => {
    expect(decideRetrain({ now, alerts: [], lastTriggeredAt: undefined, runningJobs: [] }, policy)).toMatchObject({
      retrain: false,
      reason: "no drift alert is firing",
    });
    // active 80 min ago: firing for 50 min
    expect(decideRetrain({ now, alerts: [alert(80)], lastTriggeredAt: undefined, runningJobs: [] }, policy)).toMatchObject({
      retrain: false,
      reason: "FraudFeatureDrift feature=amount severity=warning has fired for 50 min, less than 60 min",
    });
    // the longest-firing alert decides: 95 min active = 65 min firing
    const d = decideRetrain(
      { now, alerts: [alert(80), alert(95, "merchant_tx_count_7d")], lastTriggeredAt: undefined, runningJobs: [] },
      policy,
    );
    expect(d).toMatchObject({
      retrain: true,
      reason: "FraudFeatureDrift feature=merchant_tx_count_7d severity=warning has fired for 65 min",
    });
  });

  it("starts at most one run per interval, and none while a trainer Job runs", () => {
    const alerts = [alert(200)];
    expect(decideRetrain({ now, alerts, lastTriggeredAt: now - 23 * HOUR, runningJobs: [] }, policy)).toMatchObject({
      retrain: false,
      reason: expect.stringContaining("started 1380 min ago, less than the 1440 min minimum interval"),
    });
    expect(decideRetrain({ now, alerts, lastTriggeredAt: now - 24 * HOUR, runningJobs: [] }, policy).retrain).toBe(true);
    expect(decideRetrain({ now, alerts, lastTriggeredAt: undefined, runningJobs: ["fraud-trainer-29000000"] }, policy)).toMatchObject({
      retrain: false,
      reason: "trainer Job fraud-trainer-29000000 is still running",
    });
  });
});

describe("retrain on drift: the objects", () => {
  const cronJob = {
    metadata: {
      name: "fraud-trainer",
      namespace: "fraud-training",
      uid: "u-1",
    },
    spec: {
      jobTemplate: {
        metadata: { labels: { "app.kubernetes.io/name": "fraud-trainer" } },
        spec: { backoffLimit: 2, template: { spec: {} } },
      },
    },
  };

  it("creates the Job kubectl create job --from=cronjob would, owned by the CronJob and labelled as drift-triggered", () => {
    const job = jobFromCronJob(cronJob, now, "why") as any;
    expect(job.metadata).toEqual({
      name: `fraud-trainer-drift-${now / 1000}`,
      namespace: "fraud-training",
      labels: { "app.kubernetes.io/name": "fraud-trainer", [TRIGGER_LABEL]: "drift" },
      annotations: { "cronjob.kubernetes.io/instantiate": "manual", "fraud-platform.io/drift-reason": "why" },
      ownerReferences: [{ apiVersion: "batch/v1", kind: "CronJob", name: "fraud-trainer", uid: "u-1", controller: true }],
    });
    expect(job.spec).toBe(cronJob.spec.jobTemplate.spec);
  });

  it("reads and sets the last start on the Lease, keeping the rest of it as read", () => {
    const lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name: "fraud-drift-retrain",
        resourceVersion: "7",
        annotations: { other: "x", [LAST_TRIGGER_ANNOTATION]: "2026-05-30T10:00:00.000Z" },
      },
      spec: {},
    };
    expect(lastTriggeredAt(lease)).toBe(Date.UTC(2026, 4, 30, 10));
    expect(lastTriggeredAt({ metadata: { name: "x" } })).toBeUndefined();
    // a later drift Job still listed wins over the Lease
    const job = { metadata: { name: "j", labels: { [TRIGGER_LABEL]: "drift" }, creationTimestamp: "2026-05-31T10:00:00Z" } };
    expect(lastTriggeredAt(lease, [job])).toBe(Date.UTC(2026, 4, 31, 10));
    expect(withLastTrigger(lease, "2026-06-01T12:00:00.000Z")).toEqual({
      ...lease,
      metadata: { ...lease.metadata, annotations: { other: "x", [LAST_TRIGGER_ANNOTATION]: "2026-06-01T12:00:00.000Z" } },
    });
    expect(withLastTrigger(lease, null).metadata.annotations).toEqual({ other: "x" });
  });

  it("counts a Job as running until it completes or fails", () => {
    const jobs = [
      { metadata: { name: "done" }, status: { conditions: [{ type: "Complete", status: "True" }] } },
      { metadata: { name: "failed" }, status: { conditions: [{ type: "Failed", status: "True" }] } },
      { metadata: { name: "running" }, status: { conditions: [{ type: "Suspended", status: "False" }] } },
      { metadata: { name: "new" } },
    ];
    expect(unfinishedJobs(jobs)).toEqual(["running", "new"]);
  });

  it("reads the firing alerts and their start from Prometheus' HTTP API", async () => {
    let asked = "";
    const server = createServer((req, res) => {
      asked = new URL(req.url!, "http://x").searchParams.get("query")!;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          status: "success",
          data: {
            resultType: "vector",
            result: [
              {
                metric: { __name__: "ALERTS_FOR_STATE", alertname: "FraudScoreDrift", severity: "warning" },
                value: [1780000000, "1779990000"],
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect(await queryFiringAlerts(url, ["FraudFeatureDrift", "FraudScoreDrift"])).toEqual([
        { alertname: "FraudScoreDrift", labels: { severity: "warning" }, activeAt: 1779990000 * 1000 },
      ]);
      expect(asked).toBe(
        'ALERTS_FOR_STATE{alertname=~"FraudFeatureDrift|FraudScoreDrift"} and ignoring(alertstate) ALERTS{alertname=~"FraudFeatureDrift|FraudScoreDrift", alertstate="firing"}',
      );
    } finally {
      server.close();
    }
    expect(firingAlerts([])).toEqual([]);
  });
});
