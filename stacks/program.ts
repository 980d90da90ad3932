import { execFileSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./settings";
import { Deployer } from "../infra/deployer/deployer";
import { AppImages, DOCKERFILES } from "../infra/images/app-images";
import { deployerName } from "../infra/naming";
import { stackOutputs, type StackOutputs } from "../infra/outputs";
import { Platform } from "../infra/platform";
import { workloadsArgs } from "./workloads-args";
import { Workloads } from "../infra/workloads/workloads";

/** The repository root: the images' build context. */
const REPO_ROOT = path.resolve(__dirname, "..");

/** The commit the images are built from, recorded by the trainer in each model's metadata. */
function sourceCommit(): string | undefined {
  if (process.env.GITHUB_SHA) return process.env.GITHUB_SHA;
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined; // not a git checkout: the image records "unknown"
  }
}

/**
 * The whole program, as a function so it can run again in one process (the offline harness runs
 * dev and prod back to back). Settings are validated before the first resource is declared.
 */
export async function program(): Promise<StackOutputs> {
  const settings = loadSettings();
  const platform = new Platform(settings.project, {
    project: settings.project,
    stack: settings.stack,
    logRetentionDays: settings.logs.retentionDays,
    network: {
      cidr: settings.network.vpcCidr,
      azCount: settings.network.azCount,
      natGateways: settings.network.natGateways,
      interfaceEndpointAzs: settings.network.interfaceEndpointAzs,
    },
    cluster: settings.cluster,
    streaming: settings.streaming,
    cache: settings.cache,
    database: settings.database,
    modelRegistry: settings.modelRegistry,
    containerLogs: { slowRequestMs: settings.workloads.monitoring.p99LatencyThresholdMs },
    xrayTracing: settings.observability.tracing?.exporter.kind === "xray",
  });
  const p = platform.exports;
  const deployer = new Deployer("deployer", {
    ...settings.deployer,
    name: deployerName(settings.project, settings.stack),
    vpcId: p.vpcId,
    privateSubnetIds: p.privateSubnetIds,
    cluster: { name: p.cluster.name, securityGroupId: p.cluster.clusterSecurityGroupId },
    logsKeyArn: p.keyArns.logs,
    logRetentionDays: settings.logs.retentionDays,
    additionalRegions: settings.modelRegistry.replicaRegion ? [settings.modelRegistry.replicaRegion] : [],
  });
  // The first `up` of a stack (workloads.enabled=false) stops here: the cluster may be private and
  // this machine outside the VPC; the deployer then runs the full `up` from inside (docs/deploy.md).
  if (!settings.workloads.enabled) return stackOutputs(platform, deployer);
  const prebuilt = settings.workloads.prebuiltImages;
  const commit = sourceCommit();
  const images = prebuilt
    ? { api: pulumi.output(prebuilt.api), trainer: pulumi.output(prebuilt.trainer) }
    : new AppImages("app", {
        contextDir: REPO_ROOT,
        tag: settings.workloads.imageTag,
        architecture: settings.cluster.nodes.architecture,
        images: {
          api: { repositoryUrl: p.images.api, dockerfile: DOCKERFILES.api },
          trainer: {
            repositoryUrl: p.images.trainer,
            dockerfile: DOCKERFILES.trainer,
            buildArgs: commit ? { GIT_COMMIT: commit } : undefined,
          },
        },
      }).refs;
  const workloads = new Workloads(
    "workloads",
    workloadsArgs(p, { ...settings.workloads, tracing: settings.observability.tracing }, images, settings.logs),
  );
  return stackOutputs(platform, deployer, { workloads, images });
}
