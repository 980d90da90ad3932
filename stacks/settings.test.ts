import { describe, expect, it } from "vitest";
import { stackConfig, type StackName } from "../infra/testing/harness";
import { isGraviton, loadSettings, PROJECT } from "./settings";
import { ConfigError, type ConfigProblem } from "../app/src/config/config-error";
import { SettingsReader } from "./validate";

/** Settings of a stack file with some keys changed (`section.path.to.key` → value; undefined deletes). */
function load(stack: StackName, changes: Record<string, unknown> = {}) {
  const { config } = stackConfig(stack);
  const sections: Record<string, any> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(`${PROJECT}:`)) sections[k.slice(PROJECT.length + 1)] = JSON.parse(v);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    let obj = sections;
    for (const k of keys.slice(0, -1)) obj = obj[k] ??= {};
    if (value === undefined) delete obj[keys[keys.length - 1]];
    else obj[keys[keys.length - 1]] = value;
  }
  return loadSettings(new SettingsReader(PROJECT, (k) => (sections[k] === undefined ? undefined : JSON.stringify(sections[k]))), stack);
}

function problems(stack: StackName, changes: Record<string, unknown>): readonly ConfigProblem[] {
  try {
    load(stack, changes);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("stack settings", () => {
  it("the deployer needs a GitHub repository and a CodeConnections connection; the rest has defaults", () => {
    expect(load("prod").deployer).toEqual({
      githubRepository: "example-org/fraud-platform",
      connectionArn: expect.stringMatching(/^arn:aws:codeconnections:/),
      computeType: "BUILD_GENERAL1_MEDIUM",
      timeoutMinutes: 120,
    });
    const found = problems("dev", {
      "deployer.githubRepository": "https://github.com/a/b",
      "deployer.connectionArn": undefined,
      "deployer.computeType": "HUGE",
    }).map((p) => p.key);
    expect(found).toEqual([
      "fraud-platform:deployer.githubRepository",
      "fraud-platform:deployer.connectionArn",
      "fraud-platform:deployer.computeType",
    ]);
    expect(load("dev", { "workloads.enabled": false }).workloads.enabled).toBe(false);
    expect(load("dev").workloads.enabled).toBe(true);
  });

  it("dev is cheap and prod is highly available, by settings only", () => {
    const dev = load("dev");
    const prod = load("prod");
    expect([dev.network.azCount, dev.network.natGateways, dev.database.multiAz, dev.cache.multiAz]).toEqual([2, "single", false, false]);
    expect([prod.network.azCount, prod.network.natGateways, prod.database.multiAz, prod.cache.multiAz]).toEqual([3, "perAz", true, true]);
    expect(prod.database.backupRetentionDays).toBe(30);
    expect(prod.database.deletionProtection).toBe(true);
    expect(prod.cluster.endpointPublicAccess).toBe(false);
    expect(dev.cluster.publicAccessCidrs.length).toBeGreaterThan(0);
  });

  it("names the key, the value and what is allowed", () => {
    expect(() => load("prod", { "cluster.kubernetesVersion": "1.20" })).toThrow(ConfigError);
    expect(() => load("prod", { "cluster.kubernetesVersion": "1.20" })).toThrow(
      'fraud-platform:cluster.kubernetesVersion = "1.20": expected one of "1.31", "1.32", "1.33"',
    );
  });

  it("reports every problem at once", () => {
    const found = problems("dev", { "network.azCount": 5, "database.backupRetentionDays": 0, "logs.retentionDays": 15 });
    expect(found.map((p) => p.key).sort()).toEqual([
      "fraud-platform:database.backupRetentionDays",
      "fraud-platform:logs.retentionDays",
      "fraud-platform:network.azCount",
    ]);
    expect(found.find((p) => p.key.endsWith("azCount"))).toMatchObject({ value: 5, allowed: "an integer from 2 to 3" });
  });

  it.each([
    ["missing required key", { "database.instanceClass": undefined }, "fraud-platform:database.instanceClass"],
    ["missing section", { streaming: undefined }, "fraud-platform:streaming"],
    ["misspelt key", { "network.azcount": 3 }, "fraud-platform:network.azcount"],
    ["bad CIDR", { "network.vpcCidr": "10.0.0.1/16" }, "fraud-platform:network.vpcCidr"],
    ["VPC too small", { "network.vpcCidr": "10.0.0.0/24" }, "fraud-platform:network.vpcCidr"],
    ["public endpoint open to the world", { "cluster.publicAccessCidrs": ["0.0.0.0/0"] }, "fraud-platform:cluster.publicAccessCidrs[0]"],
    ["public endpoint without CIDRs", { "cluster.publicAccessCidrs": [] }, "fraud-platform:cluster.publicAccessCidrs"],
    ["min above desired", { "cluster.nodes.minSize": 3 }, "fraud-platform:cluster.nodes.minSize"],
    ["arm type on x86", { "cluster.nodes.instanceTypes": ["m7g.large"] }, "fraud-platform:cluster.nodes.instanceTypes[0]"],
    ["multi-AZ cache with one node", { "cache.multiAz": true }, "fraud-platform:cache.nodes"],
    ["storage ceiling below size", { "database.maxAllocatedStorageGiB": 10 }, "fraud-platform:database.maxAllocatedStorageGiB"],
    ["endpoint AZs above AZ count", { "network.interfaceEndpointAzs": 3 }, "fraud-platform:network.interfaceEndpointAzs"],
    ["admin not a role ARN", { "cluster.adminRoleArns": ["alice"] }, "fraud-platform:cluster.adminRoleArns[0]"],
    ["bad PI retention", { "database.performanceInsightsRetentionDays": 30 }, "fraud-platform:database.performanceInsightsRetentionDays"],
  ])("rejects %s", (_why, changes, key) => {
    expect(problems("dev", changes).map((p) => p.key)).toContain(key);
  });

  it("accepts numbers and booleans set as strings by `pulumi config set --path`", () => {
    expect(load("dev", { "network.azCount": "3", "database.multiAz": "true" })).toMatchObject({
      network: { azCount: 3 },
      database: { multiAz: true },
    });
  });

  it("tells Graviton instance types apart", () => {
    expect(["m7g.large", "t4g.medium", "c7gn.xlarge", "r8g.2xlarge"].every(isGraviton)).toBe(true);
    expect(["m7i.large", "t3.medium", "c6in.large", "g5.xlarge"].some(isGraviton)).toBe(false);
  });
});
