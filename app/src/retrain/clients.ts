/**
 * The two services drift-retrain talks to: Prometheus' HTTP API (which drift alerts fire, since
 * when) and the Kubernetes API, in cluster, with the pod's service-account token (read the trainer
 * CronJob, list its Jobs, create one, annotate the CronJob).
 */
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { firingAlerts, type CronJobObject, type FiringAlert, type JobObject, type LeaseObject } from "./decide";

/** The drift alerts that are firing now, with the time each became active. */
export async function queryFiringAlerts(prometheusUrl: string, alertnames: readonly string[], timeoutMs = 10_000): Promise<FiringAlert[]> {
  // ALERTS_FOR_STATE holds when each alert became active; ALERTS says which of those fire (not pending)
  const names = alertnames.join("|");
  const query = `ALERTS_FOR_STATE{alertname=~"${names}"} and ignoring(alertstate) ALERTS{alertname=~"${names}", alertstate="firing"}`;
  const url = new URL("/api/v1/query", prometheusUrl);
  url.searchParams.set("query", query);
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json().catch(() => undefined)) as
    | {
        status?: string;
        error?: string;
        data?: { resultType?: string; result?: { metric: Record<string, string>; value: [number, string] }[] };
      }
    | undefined;
  if (!res.ok || body?.status !== "success" || body.data?.resultType !== "vector") {
    throw new Error(`prometheus ${url.origin}: HTTP ${res.status}${body?.error ? `: ${body.error}` : ""}`);
  }
  return firingAlerts(body.data.result ?? []);
}

/** Where the pod finds the API server and its credentials (the service-account mount). */
export interface KubeAccess {
  /** The API server's base URL: https in the cluster. */
  readonly server: string;
  readonly token: string;
  /** The cluster's CA certificate (PEM), for https. */
  readonly ca?: string;
  readonly namespace: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export function inClusterAccess(env: NodeJS.ProcessEnv = process.env, dir = SA_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: drift-retrain runs inside the cluster");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? 443}`,
    token: readFileSync(`${dir}/token`, "utf8").trim(),
    ca: readFileSync(`${dir}/ca.crt`, "utf8"),
    namespace: readFileSync(`${dir}/namespace`, "utf8").trim(),
  };
}

/** An answer of the API server outside 2xx; `status` 409 is a conflict (exists, or changed since read). */
export class KubeError extends Error {
  override readonly name = "KubeError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The field manager of this tool's writes: `pulumi up` (server-side apply) leaves what it set alone. */
export const FIELD_MANAGER = "fraud-drift-retrain";

export class KubeClient {
  constructor(
    private readonly access: KubeAccess,
    private readonly timeoutMs = 10_000,
  ) {}

  private get base(): string {
    return `/apis/batch/v1/namespaces/${encodeURIComponent(this.access.namespace)}`;
  }

  private get leases(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.access.namespace)}/leases`;
  }

  getCronJob(name: string): Promise<CronJobObject> {
    return this.call("GET", `${this.base}/cronjobs/${encodeURIComponent(name)}`) as Promise<CronJobObject>;
  }

  async listJobs(labelSelector: string): Promise<JobObject[]> {
    return ((await this.call("GET", `${this.base}/jobs?labelSelector=${encodeURIComponent(labelSelector)}`)) as { items: JobObject[] })
      .items;
  }

  /** Creates the Job; KubeError 409 when one of that name exists. Returns the created name. */
  async createJob(job: Record<string, unknown>): Promise<string> {
    const created = (await this.call("POST", `${this.base}/jobs?fieldManager=${FIELD_MANAGER}`, job)) as JobObject;
    return created.metadata.name;
  }

  getLease(name: string): Promise<LeaseObject> {
    return this.call("GET", `${this.leases}/${encodeURIComponent(name)}`) as Promise<LeaseObject>;
  }

  /**
   * Replaces the Lease (an update: the RBAC grants no patch) if it is still the resourceVersion it
   * carries, else KubeError 409. Returns the Lease as written, with its new resourceVersion.
   */
  updateLease(lease: LeaseObject): Promise<LeaseObject> {
    return this.call(
      "PUT",
      `${this.leases}/${encodeURIComponent(lease.metadata.name)}?fieldManager=${FIELD_MANAGER}`,
      lease,
    ) as Promise<LeaseObject>;
  }

  private call(method: string, path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.access.server);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        {
          method,
          ca: this.access.ca,
          timeout: this.timeoutMs,
          headers: {
            Authorization: `Bearer ${this.access.token}`,
            Accept: "application/json",
            ...(payload !== undefined
              ? {
                  "Content-Type": "application/json",
                  "Content-Length": Buffer.byteLength(payload),
                }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300)
              reject(new KubeError(status, `kubernetes ${method} ${path}: HTTP ${status}: ${text.slice(0, 500)}`));
            else {
              try {
                resolve(JSON.parse(text));
              } catch {
                reject(new Error(`kubernetes ${method} ${path}: not JSON`));
              }
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`kubernetes ${method} ${path}: no answer in ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}
