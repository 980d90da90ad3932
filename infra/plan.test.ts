import { beforeAll, describe, expect, it } from "vitest";
import { planEntries, planText } from "./plan";
import { runStack, SECRET, UNKNOWN, type StackRun } from "./testing/harness";

let run: StackRun;
let preview: StackRun;
beforeAll(async () => {
  run = await runStack("dev");
  preview = await runStack("dev", { preview: true });
}, 60_000);

describe("offline plan", () => {
  it("JSON: one {type, name, urn, parent, inputs} per resource, references resolved, secrets redacted", () => {
    const entries = planEntries(run.resources);
    expect(entries).toHaveLength(run.resources.length);
    for (const e of entries) expect(Object.keys(e)).toEqual(["type", "name", "urn", "parent", "inputs"]);
    const db = entries.find((e) => e.type === "aws:rds/instance:Instance")!;
    expect(db.inputs.kmsKeyId).toMatch(/^arn:aws:kms:us-east-1:123456789012:key\//);
    expect(entries.find((e) => e.type === "aws:elasticache/replicationGroup:ReplicationGroup")!.inputs.authToken).toBe(SECRET);
    expect(entries.find((e) => e.type === "aws:eks/nodeGroup:NodeGroup")!.parent).toBe(
      entries.find((e) => e.type === "fraud-platform:cluster:Cluster")!.urn,
    );
  });

  it("text: resources grouped under their components", () => {
    const text = planText("dev", run.resources);
    expect(text).toMatch(/^Plan for stack dev: \d+ resources in \d+ components/);
    const db = text.slice(text.indexOf("\n  fraud-platform:data:Database db  ("));
    const block = db.slice(0, db.indexOf("\n  fraud-platform:", 3));
    const database = run.resources.find((r) => r.type === "fraud-platform:data:Database")!;
    expect(block).toContain(`(${run.resources.filter((r) => r.parent === database.urn && r.custom).length} resources)`);
    for (const child of [
      "aws:rds/instance:Instance db-postgres",
      "aws:ec2/securityGroup:SecurityGroup db-postgres",
      "aws:rds/parameterGroup:ParameterGroup db-params",
    ]) {
      expect(block).toContain(`\n    + ${child}\n`);
    }
  });

  it("--preview: what AWS computes is [unknown], what the program or the providers' autonaming set is known", () => {
    const entries = planEntries(preview.resources);
    const names = (es: typeof entries) => es.map((e) => `${e.type} ${e.name}`).sort();
    expect(names(entries)).toEqual(names(planEntries(run.resources)));
    const db = entries.find((e) => e.type === "aws:rds/instance:Instance")!;
    expect(db.inputs.kmsKeyId).toBe(UNKNOWN); // a key ARN: known only once the key exists
    expect(db.inputs.instanceClass).toBe("db.t4g.micro");
    const text = planText("dev", preview.resources, true);
    expect(text).toMatch(/^Plan for stack dev: .*\(offline preview: ids and computed outputs \[unknown\]\)/);
    expect(text).toContain(`kmsKeyId=${UNKNOWN}`);
    expect(planText("dev", run.resources)).not.toContain(UNKNOWN);
  });
});
