/**
 * IPv4 CIDR maths for the VPC layout. Pure: tested directly (cidr.test.ts).
 *
 * Layout of a VPC of prefix /N over up to 3 AZs (for /16: private /18, public and isolated /21):
 * - private (nodes and pods; the VPC CNI gives every pod a VPC address, so these get 3/4 of the space)
 * - public (load balancers and NAT gateways only) and isolated (data stores): small.
 * Blocks are allocated largest first at aligned offsets. The layout is a function of (cidr, azCount)
 * only, so previews are stable; changing azCount on a live stack moves the public and isolated
 * subnets (a replacement), so choose it when the stack is created.
 */

export interface Cidr {
  /** The network address as an unsigned 32-bit integer. */
  readonly base: number;
  readonly prefix: number;
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Parses `a.b.c.d/n`; returns why it is invalid as a string, so callers can report it. */
export function parseCidr(text: string): Cidr | string {
  const m = CIDR.exec(text);
  if (!m) return "an IPv4 CIDR such as 10.0.0.0/16";
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return "an IPv4 CIDR with octets 0-255 and prefix 0-32";
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0)
    return `a network address (host bits zero), e.g. ${formatCidr({ base: base - (base % 2 ** (32 - prefix)), prefix })}`;
  return { base, prefix };
}

export function formatCidr(c: Cidr): string {
  const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
  return `${o.join(".")}/${c.prefix}`;
}

/** Allocates blocks of the given prefixes inside `parent`, largest first, each aligned to its size. */
export function allocate(parent: Cidr, prefixes: readonly number[]): Cidr[] {
  const order = prefixes.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const out: Cidr[] = new Array(prefixes.length);
  let next = parent.base;
  const end = parent.base + 2 ** (32 - parent.prefix);
  for (const { p, i } of order) {
    if (p < parent.prefix) throw new Error(`a /${p} block does not fit in ${formatCidr(parent)}`);
    const size = 2 ** (32 - p);
    next = Math.ceil(next / size) * size;
    if (next + size > end) throw new Error(`${formatCidr(parent)} has no room left for a /${p} block`);
    out[i] = { base: next, prefix: p };
    next += size;
  }
  return out;
}

export interface SubnetLayout {
  readonly public: readonly string[];
  readonly private: readonly string[];
  readonly isolated: readonly string[];
}

/** Smallest and largest VPC prefixes the layout supports (AWS allows /16 to /28 per VPC CIDR). */
export const VPC_PREFIX_RANGE = { min: 16, max: 20 } as const;
export const MAX_AZS = 3;

/**
 * One public, one private and one isolated subnet per AZ. Private subnets are /N+2, the others
 * /N+5, so 3 AZs use 3/4 + 6/32 of the VPC and leave 1/16 spare for later tiers.
 */
export function subnetLayout(vpcCidr: string, azCount: number): SubnetLayout {
  const vpc = parseCidr(vpcCidr);
  if (typeof vpc === "string") throw new Error(`VPC CIDR ${JSON.stringify(vpcCidr)}: expected ${vpc}`);
  if (vpc.prefix < VPC_PREFIX_RANGE.min || vpc.prefix > VPC_PREFIX_RANGE.max) {
    throw new Error(`VPC CIDR ${vpcCidr}: expected a prefix from /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max}`);
  }
  if (!Number.isInteger(azCount) || azCount < 1 || azCount > MAX_AZS) throw new Error(`azCount ${azCount}: expected 1 to ${MAX_AZS}`);
  const n = vpc.prefix;
  const blocks = allocate(vpc, [...Array.from({ length: azCount }, () => n + 2), ...Array.from({ length: 2 * azCount }, () => n + 5)]).map(
    formatCidr,
  );
  return {
    private: blocks.slice(0, azCount),
    public: blocks.slice(azCount, 2 * azCount),
    isolated: blocks.slice(2 * azCount),
  };
}

/** True when two CIDRs share any address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.prefix);
  const bEnd = b.base + 2 ** (32 - b.prefix);
  return a.base < bEnd && b.base < aEnd;
}
