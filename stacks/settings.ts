/**
 * The typed settings of one stack, read from `Pulumi.<stack>.yaml` and validated before any
 * resource is declared. dev and prod differ by these values only: components never branch on
 * the stack name.
 */
import * as pulumi from "@pulumi/pulumi";
import { NODE_GROUP_DEFAULTS, type NodeGroupArgs } from "../infra/cluster/cluster";
import { MODEL_BUCKET_DEFAULTS } from "../infra/storage/model-bucket";
import { LOG_SHIPPER_DEFAULTS } from "../infra/observability/log-shipper";
import { DEPLOYER_DEFAULTS, type DeployerArgs } from "../infra/deployer/deployer";
import { MAX_AZS, VPC_PREFIX_RANGE, parseCidr } from "../infra/network/cidr";
import { cache, type CacheSettings, database, type DatabaseSettings, streaming, type StreamingSettings } from "./data-stores";
import { observabilitySettings, type ObservabilitySettings } from "./observability";
import { SectionReader, SettingsReader } from "./validate";
import { loadWorkloadSettings, type WorkloadSettings } from "./workloads";

export const PROJECT = "fraud-platform";

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** EKS versions this program is tested against; raising it is a deliberate change. */
export const KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33"] as const;
export interface NetworkSettings {
  /** The VPC's IPv4 range, /16 to /20. */
  readonly vpcCidr: string;
  /** Availability zones used, 2 or 3 (EKS and MSK need at least 2). */
  readonly azCount: number;
  /** `perAz`: one NAT gateway per AZ (an AZ outage keeps egress); `single`: one, cheaper. */
  readonly natGateways: "single" | "perAz";
  /** AZs that host the interface endpoints (each endpoint costs per AZ-hour). */
  readonly interfaceEndpointAzs: number;
}

export interface LogSettings {
  /** Retention of every log group the platform creates (containers, flow logs, EKS control plane, MSK, RDS). */
  readonly retentionDays: number;
  /** Helm chart version of aws-for-fluent-bit, which ships the containers' logs. */
  readonly shipperChartVersion: string;
}

/** The node group with every default resolved (the component documents each field). */
export type NodeGroupSettings = Required<NodeGroupArgs>;

export interface ClusterSettings {
  readonly kubernetesVersion: (typeof KUBERNETES_VERSIONS)[number];
  /** Public API endpoint; when true, `publicAccessCidrs` must list the allowed networks. */
  readonly endpointPublicAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  /** IAM role ARNs granted cluster-admin through EKS access entries. */
  readonly adminRoleArns: readonly string[];
  readonly nodes: NodeGroupSettings;
}

/**
 * The deployer: a CodeBuild project inside the VPC that serves as the GitHub Actions runner of the
 * deploy job, so `pulumi up` reaches a private EKS endpoint (docs/deploy.md).
 */
export type DeployerSettings = Required<Pick<DeployerArgs, "githubRepository" | "connectionArn" | "computeType" | "timeoutMinutes">>;

/** The model registry bucket (infra/storage/model-bucket.ts documents each field and default). */
export interface ModelRegistrySettings {
  readonly noncurrentVersionDays: number;
  /** Absent: no replica. */
  readonly replicaRegion?: string;
}

export interface Settings {
  readonly project: string;
  readonly stack: string;
  readonly network: NetworkSettings;
  readonly logs: LogSettings;
  readonly cluster: ClusterSettings;
  readonly streaming: StreamingSettings;
  readonly cache: CacheSettings;
  readonly database: DatabaseSettings;
  readonly modelRegistry: ModelRegistrySettings;
  readonly observability: ObservabilitySettings;
  readonly deployer: DeployerSettings;
  readonly workloads: WorkloadSettings;
}

const cidrItem = (v: string): string | undefined => {
  const c = parseCidr(v);
  if (typeof c === "string") return c;
  return c.prefix === 0 ? "a CIDR narrower than /0 (the whole internet is not a restriction)" : undefined;
};
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

function network(s: SectionReader): NetworkSettings {
  const vpcCidr = s.string("vpcCidr", { describe: `an IPv4 CIDR from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}` });
  const parsed = parseCidr(vpcCidr);
  if (vpcCidr && (typeof parsed === "string" || parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max)) {
    s.problem(
      "vpcCidr",
      vpcCidr,
      typeof parsed === "string" ? parsed : `a prefix from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}`,
    );
  }
  const azCount = s.int("azCount", { min: 2, max: MAX_AZS });
  const natGateways = s.oneOf("natGateways", ["single", "perAz"] as const);
  const interfaceEndpointAzs = s.int("interfaceEndpointAzs", { min: 1, max: MAX_AZS, default: azCount });
  if (interfaceEndpointAzs > azCount) s.problem("interfaceEndpointAzs", interfaceEndpointAzs, `at most azCount (${azCount})`);
  return { vpcCidr, azCount, natGateways, interfaceEndpointAzs };
}

function nodes(s: SectionReader): NodeGroupSettings {
  const architecture = s.oneOf("architecture", ["x86_64", "arm64"] as const, NODE_GROUP_DEFAULTS.architecture);
  const instanceTypes = s.stringList("instanceTypes", {
    minItems: 1,
    item: (t) =>
      !INSTANCE_TYPE.test(t)
        ? "an EC2 instance type such as m7i.large"
        : isGraviton(t) !== (architecture === "arm64")
          ? `an ${architecture} instance type (architecture is ${architecture})`
          : undefined,
  });
  const minSize = s.int("minSize", { min: 0, max: 100 });
  const desiredSize = s.int("desiredSize", { min: 1, max: 100 });
  const maxSize = s.int("maxSize", { min: 1, max: 100 });
  if (minSize > desiredSize) s.problem("minSize", minSize, `at most desiredSize (${desiredSize})`);
  if (desiredSize > maxSize) s.problem("desiredSize", desiredSize, `at most maxSize (${maxSize})`);
  return {
    instanceTypes,
    capacityType: s.oneOf("capacityType", ["ON_DEMAND", "SPOT"] as const, NODE_GROUP_DEFAULTS.capacityType),
    architecture,
    minSize,
    desiredSize,
    maxSize,
    diskGiB: s.int("diskGiB", { min: 20, max: 1000, default: NODE_GROUP_DEFAULTS.diskGiB }),
  };
}

/** Graviton instance families carry a `g` after the generation digit (m7g, t4g, c7gn, r8g). */
export function isGraviton(instanceType: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(instanceType);
}

function cluster(s: SectionReader): ClusterSettings {
  const endpointPublicAccess = s.bool("endpointPublicAccess", false);
  const publicAccessCidrs = s.stringList("publicAccessCidrs", { default: [], item: cidrItem });
  if (endpointPublicAccess && publicAccessCidrs.length === 0) {
    s.problem(
      "publicAccessCidrs",
      publicAccessCidrs,
      "at least one CIDR when endpointPublicAccess is true (the endpoint is never open to the internet)",
    );
  }
  if (!endpointPublicAccess && publicAccessCidrs.length > 0) {
    s.problem("publicAccessCidrs", publicAccessCidrs, "an empty list when endpointPublicAccess is false");
  }
  return {
    kubernetesVersion: s.oneOf("kubernetesVersion", KUBERNETES_VERSIONS),
    endpointPublicAccess,
    publicAccessCidrs,
    adminRoleArns: s.stringList("adminRoleArns", {
      default: [],
      item: (v) => (ROLE_ARN.test(v) ? undefined : "an IAM role ARN (arn:aws:iam::<account>:role/<name>)"),
    }),
    nodes: nodes(s.section("nodes")),
  };
}

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

function modelRegistry(s: SectionReader, stackRegion: string | undefined): ModelRegistrySettings {
  const replicaRegion = s.string("replicaRegion", { default: "", pattern: AWS_REGION, describe: "an AWS region such as us-west-2" });
  if (replicaRegion && replicaRegion === stackRegion) {
    s.problem(
      "replicaRegion",
      replicaRegion,
      `a region other than the stack's (${stackRegion}): a replica in the same region survives no regional outage`,
    );
  }
  return {
    noncurrentVersionDays: s.int("noncurrentVersionDays", { min: 1, max: 3650, default: MODEL_BUCKET_DEFAULTS.noncurrentVersionDays }),
    replicaRegion: replicaRegion || undefined,
  };
}

function logs(s: SectionReader): LogSettings {
  return {
    retentionDays: s.intOneOf("retentionDays", LOG_RETENTION_DAYS),
    shipperChartVersion: s.string("shipperChartVersion", {
      default: LOG_SHIPPER_DEFAULTS.chartVersion,
      pattern: /^\d+\.\d+\.\d+$/,
      describe: "a chart version such as 0.2.1",
    }),
  };
}

const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;

function deployer(s: SectionReader): DeployerSettings {
  return {
    githubRepository: s.string("githubRepository", { pattern: GITHUB_REPOSITORY, describe: "a GitHub repository as owner/name" }),
    connectionArn: s.string("connectionArn", {
      pattern: CONNECTION_ARN,
      describe: "a CodeConnections connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)",
    }),
    computeType: s.oneOf(
      "computeType",
      ["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"] as const,
      DEPLOYER_DEFAULTS.computeType,
    ),
    timeoutMinutes: s.int("timeoutMinutes", { min: 30, max: 480, default: DEPLOYER_DEFAULTS.timeoutMinutes }),
  };
}

/**
 * Reads and validates every section; throws one ConfigError listing all problems.
 * `reader` defaults to the running stack's config; tests pass one over a plain map.
 */
export function loadSettings(
  reader: SettingsReader = pulumiReader(),
  stack: string = pulumi.getStack(),
  stackRegion: string | undefined = new pulumi.Config("aws").get("region"),
): Settings {
  const net = network(reader.section("network"));
  const settings: Settings = {
    project: reader.namespace,
    stack,
    network: net,
    logs: logs(reader.section("logs")),
    cluster: cluster(reader.section("cluster")),
    streaming: streaming(reader.section("streaming")),
    cache: cache(reader.section("cache")),
    database: database(reader.section("database")),
    modelRegistry: modelRegistry(reader.section("modelRegistry"), stackRegion),
    observability: observabilitySettings(reader.section("observability"), stack),
    deployer: deployer(reader.section("deployer")),
    workloads: loadWorkloadSettings(reader),
  };
  reader.finish();
  return settings;
}

/** A reader over the running program's config (`fraud-platform:*`). */
export function pulumiReader(): SettingsReader {
  const config = new pulumi.Config(PROJECT);
  return new SettingsReader(PROJECT, (key) => config.get(key));
}
