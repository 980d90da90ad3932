import { describe, expect, it } from "vitest";
import { natPlan } from "./network";
import { allocate, formatCidr, overlaps, parseCidr, subnetLayout, type Cidr } from "./cidr";

const parsed = (s: string) => parseCidr(s) as Cidr;

describe("CIDR maths", () => {
  it("parses and formats round trip, rejecting host bits and bad octets", () => {
    expect(formatCidr(parsed("10.40.0.0/16"))).toBe("10.40.0.0/16");
    expect(parseCidr("10.40.0.1/16")).toMatch(/network address.*10\.40\.0\.0\/16/);
    expect(parseCidr("10.400.0.0/16")).toMatch(/octets/);
    expect(parseCidr("10.0.0.0")).toMatch(/IPv4 CIDR/);
  });

  it("lays out a /16 over 3 AZs: private /18, public and isolated /21", () => {
    expect(subnetLayout("10.50.0.0/16", 3)).toEqual({
      private: ["10.50.0.0/18", "10.50.64.0/18", "10.50.128.0/18"],
      public: ["10.50.192.0/21", "10.50.200.0/21", "10.50.208.0/21"],
      isolated: ["10.50.216.0/21", "10.50.224.0/21", "10.50.232.0/21"],
    });
  });

  it.each([
    ["10.0.0.0/16", 2],
    ["10.0.0.0/16", 3],
    ["172.16.0.0/18", 3],
    ["192.168.16.0/20", 3],
    ["10.255.240.0/20", 2],
  ])("%s over %d AZs: disjoint subnets inside the VPC", (cidr, azs) => {
    const vpc = parsed(cidr);
    const all = Object.values(subnetLayout(cidr, azs)).flat().map(parsed);
    expect(all).toHaveLength(3 * azs);
    for (const s of all) {
      expect(s.base >= vpc.base && s.base + 2 ** (32 - s.prefix) <= vpc.base + 2 ** (32 - vpc.prefix)).toBe(true);
    }
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) expect(overlaps(all[i], all[j])).toBe(false);
  });

  it("refuses layouts that do not fit", () => {
    expect(() => subnetLayout("10.0.0.0/24", 2)).toThrow(/prefix from \/16 to \/20/);
    expect(() => subnetLayout("10.0.0.0/16", 4)).toThrow(/azCount 4/);
    expect(() => allocate(parsed("10.0.0.0/24"), [25, 25, 25])).toThrow(/no room/);
  });

  it("plans one NAT gateway per AZ or a shared one", () => {
    const per = natPlan("perAz", 3);
    const single = natPlan("single", 3);
    expect([per.count, per.forAz(0), per.forAz(2)]).toEqual([3, 0, 2]);
    expect([single.count, single.forAz(0), single.forAz(2)]).toEqual([1, 0, 0]);
  });
});
