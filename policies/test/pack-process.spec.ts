// The pack as the Pulumi CLI runs it: `run-policy-pack` started in the pack's own folder (so it
// resolves its modules and PulumiPolicy.yaml from there), queried and configured over gRPC. This
// is the path of `pulumi preview --policy-pack policies --policy-pack-config <file>`.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apb from "@pulumi/pulumi/proto/analyzer_pb";
import * as arpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { resourceRules, stackRules } from "../rules";
import { ecrRepository, rdsInstance } from "./fixtures/aws";
import { mutate } from "./fixtures/mutate";
import { urnOf, type EngineResource } from "./analyzer";

const PACK_DIR = path.resolve(__dirname, "..");
// The gRPC runtime the Pulumi SDK itself uses (a dependency of @pulumi/pulumi, not of ours).
const grpc = createRequire(require.resolve("@pulumi/pulumi/package.json"))("@grpc/grpc-js") as typeof import("@grpc/grpc-js");

let pack: ChildProcess;
let client: arpc.AnalyzerClient;

const rpc = <Req, Res>(method: (req: Req, cb: (e: Error | null, r: Res) => void) => unknown, req: Req) =>
  new Promise<Res>((resolve, reject) => method.call(client, req, (e, r) => (e ? reject(e) : resolve(r))));

async function analyze(r: EngineResource, stack: string): Promise<Array<[string, string]>> {
  const q = new apb.AnalyzeRequest();
  q.setType(r.type);
  q.setName(r.name);
  q.setUrn(urnOf(stack, r.type, r.name));
  q.setProperties(Struct.fromJavaScript(r.inputs as never));
  q.setOptions(new apb.AnalyzerResourceOptions());
  const res = await rpc<apb.AnalyzeRequest, apb.AnalyzeResponse>(client.analyze, q);
  return res
    .getDiagnosticsList()
    .map((d) => [d.getPolicyname(), d.getEnforcementlevel() === apb.EnforcementLevel.MANDATORY ? "mandatory" : "advisory"]);
}

beforeAll(async () => {
  pack = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."], {
    cwd: PACK_DIR,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  pack.stderr!.on("data", (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    pack.stdout!.on("data", (d) => {
      out += d;
      const m = /^(\d+)\s*$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    pack.on("exit", (code) => reject(new Error(`policy pack exited ${code} before serving:\n${stderr}`)));
  });
  client = new arpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

describe("the pack under the CLI's runner", () => {
  it("serves every rule with a description, a remediation and its enforcement level", async () => {
    const info = await rpc<Empty, apb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
    expect(info.getName()).toBe("fraud-platform");
    expect(info.getSupportsconfig()).toBe(true);
    const policies = info.getPoliciesList();
    expect(policies.map((p) => p.getName()).sort()).toEqual([...resourceRules, ...stackRules].map((r) => r.name).sort());
    for (const p of policies) {
      expect(p.getDescription(), p.getName()).not.toBe("");
      expect(p.getRemediationSteps(), p.getName()).not.toBe("");
      expect(p.getEnforcementlevel(), p.getName()).toBe(apb.EnforcementLevel.MANDATORY);
    }
    const multiAz = policies.find((p) => p.getName() === "aws-rds-multi-az")!;
    expect(Object.keys(multiAz.getConfigschema()!.getProperties()!.toJavaScript())).toEqual(["strictStacks"]);
  });

  it("defaults: baseline rules mandatory everywhere, production rules strict in prod only", async () => {
    const db = mutate(mutate(rdsInstance(), "multiAz", false), "storageEncrypted", false);
    expect(await analyze(db, "prod")).toEqual([
      ["aws-rds-storage-encrypted", "mandatory"],
      ["aws-rds-multi-az", "mandatory"],
    ]);
    expect(await analyze(db, "dev")).toEqual([
      ["aws-rds-storage-encrypted", "mandatory"],
      ["aws-rds-multi-az", "advisory"],
    ]);
  });

  it("--policy-pack-config: levels and strictStacks per policy", async () => {
    const cfg = new apb.ConfigureAnalyzerRequest();
    const set = (name: string, level: apb.EnforcementLevel, props: object = {}) => {
      const c = new apb.PolicyConfig();
      c.setEnforcementlevel(level);
      c.setProperties(Struct.fromJavaScript(props as never));
      cfg.getPolicyconfigMap().set(name, c);
    };
    set("aws-ecr-scan-on-push", apb.EnforcementLevel.ADVISORY);
    set("aws-ecr-immutable-tags", apb.EnforcementLevel.DISABLED);
    set("aws-rds-multi-az", apb.EnforcementLevel.MANDATORY, { strictStacks: ["prod", "staging"] });
    await rpc(client.configure, cfg);

    const repo = mutate(mutate(ecrRepository(), "imageScanningConfiguration", undefined), "imageTagMutability", "MUTABLE");
    expect(await analyze(repo, "prod")).toEqual([["aws-ecr-scan-on-push", "advisory"]]);
    const db = mutate(rdsInstance(), "multiAz", false);
    expect(await analyze(db, "staging")).toEqual([["aws-rds-multi-az", "mandatory"]]);
    expect(await analyze(db, "dev")).toEqual([["aws-rds-multi-az", "advisory"]]);
  });
});
