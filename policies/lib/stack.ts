// Which stacks are held to production rules.
//
// The analyzer protocol does not tell a pack which stack it is checking, but every resource URN
// does (`urn:pulumi:<stack>::<project>::<type>::<name>`), so the pack reads it from there. That
// keeps one pack and no per-stack wiring: `pulumi preview --stack prod --policy-pack policies`
// is strict without extra flags, and a forgotten config file can only make a stack stricter.

/** Stacks held to production rules unless a policy's `strictStacks` config says otherwise. */
export const DEFAULT_STRICT_STACKS: readonly string[] = ["prod", "production"];

export function stackOfUrn(urn: string): string | undefined {
  const m = /^urn:pulumi:([^:]+)::/.exec(urn);
  return m?.[1];
}

/** Config accepted by every production rule (`--policy-pack-config`). */
export interface ProductionRuleConfig {
  /** Stack names where the rule is mandatory; elsewhere it is advisory. */
  strictStacks?: string[];
}

export function isStrictStack(urn: string | undefined, config: ProductionRuleConfig): boolean {
  const stack = urn ? stackOfUrn(urn) : undefined;
  // A URN we cannot read is treated as production: fail closed.
  if (stack === undefined) return true;
  return (config.strictStacks ?? DEFAULT_STRICT_STACKS).includes(stack);
}

export const productionConfigSchema = {
  properties: {
    strictStacks: {
      type: "array" as const,
      items: { type: "string" as const },
      default: [...DEFAULT_STRICT_STACKS],
      description: "Stacks where this production rule is mandatory; in every other stack it is advisory.",
    },
  },
};
