// The fraud-platform policy pack: `pulumi preview --policy-pack policies` (see docs/ci.md).
// Constructing the PolicyPack serves it to the Pulumi engine.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("fraud-platform", {
  description:
    "fraud-platform guardrails: encryption at rest and in transit, private data stores, production resilience, Kubernetes hardening.",
  enforcementLevel: "mandatory",
  policies,
});
