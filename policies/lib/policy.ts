// Builders that turn a rule (pure check + metadata) into a @pulumi/policy policy.
//
// Rules return the problems they find instead of calling reportViolation themselves, so a rule is a
// plain function of the resource's properties; the builder adds what every rule must carry: the
// remediation hint in every message, the type filter, and the production-only enforcement.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { isStrictStack, productionConfigSchema, type ProductionRuleConfig } from "./stack";

export type Props = Record<string, unknown>;

interface RuleMeta {
  /** Unique kebab-case name, `<vendor>-<service>-<what>`; what users put in `--policy-pack-config`. */
  name: string;
  /** What must hold, stated positively. */
  description: string;
  /** How to fix a violation; appended to every message. */
  remediation: string;
  severity: Severity;
  /**
   * A production rule (resilience, private endpoints) is mandatory in strict stacks (config
   * `strictStacks`, default prod/production) and advisory in every other stack.
   */
  production?: boolean;
}

export interface ResourceRule extends RuleMeta {
  /** Pulumi type tokens the rule applies to. */
  types: readonly string[];
  /** Problems found on one resource's inputs; empty when compliant. */
  check(props: Props, args: ResourceValidationArgs): string[];
}

export interface StackProblem {
  /** The offending resource; omitted for a stack-wide problem. */
  urn?: string;
  message: string;
}

export interface StackRule extends RuleMeta {
  /** Problems found across the stack's resources (their outputs); empty when compliant. */
  check(resources: PolicyResource[], args: StackValidationArgs): StackProblem[];
}

// @pulumi/policy's reportViolation also accepts a violation object with its own enforcement level
// (server.js makeReportViolationFun); its typings only declare the string form.
interface ViolationInfo {
  message: string;
  description: string;
  urn?: string;
  enforcementLevel: "advisory";
}

function reporter(rule: RuleMeta, report: ReportViolation, strict: boolean) {
  return (problem: string, urn?: string) => {
    const message = `${problem} Remediation: ${rule.remediation}`;
    if (!rule.production || strict) return report(message, urn);
    const info: ViolationInfo = {
      message: `${rule.description}\n${message} (advisory: this stack is not in the rule's strictStacks)`,
      description: rule.description,
      urn,
      enforcementLevel: "advisory",
    };
    (report as unknown as (v: ViolationInfo) => void)(info);
  };
}

function common(rule: RuleMeta) {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: "mandatory" as const,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    ...(rule.production ? { configSchema: productionConfigSchema } : {}),
  };
}

export function resourcePolicy(rule: ResourceRule): ResourceValidationPolicy {
  return {
    ...common(rule),
    validateResource: (args, report) => {
      if (!rule.types.includes(args.type)) return;
      const strict = !rule.production || isStrictStack(args.urn, args.getConfig<ProductionRuleConfig>());
      const emit = reporter(rule, report, strict);
      for (const problem of rule.check(args.props, args)) emit(problem);
    },
  };
}

export function stackPolicy(rule: StackRule): StackValidationPolicy {
  return {
    ...common(rule),
    validateStack: (args, report) => {
      const strict = !rule.production || isStrictStack(args.resources[0]?.urn, args.getConfig<ProductionRuleConfig>());
      const emit = reporter(rule, report, strict);
      for (const p of rule.check(args.resources, args)) emit(p.message, p.urn);
    },
  };
}
