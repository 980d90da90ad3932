/**
 * The simulator's population, as in the Fraud Detection Handbook: terminals (merchants) and
 * customers (cards) placed uniformly on a 100x100 grid, each customer with a spending profile and
 * the terminals within its reach (see simulator.ts).
 */
import type { Prng } from "./prng";

const MERCHANT_CATEGORIES = ["5411", "5812", "5999", "5541", "4111", "5732", "5912", "7011", "5311", "5691"];
const COUNTRIES = ["BE", "FR", "NL", "LU"];

export interface Customer {
  readonly x: number;
  readonly y: number;
  readonly meanAmount: number;
  readonly stdAmount: number;
  readonly meanPerDay: number;
  readonly terminals: Int32Array;
}

export interface Terminal {
  readonly x: number;
  readonly y: number;
  readonly merchantCategory: string;
  readonly country: string;
  readonly channel: "pos" | "ecom" | "atm";
}

export function makeTerminals(rng: Prng, n: number): Terminal[] {
  const out: Terminal[] = [];
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(0, 100);
    const y = rng.uniform(0, 100);
    const c = rng.next();
    out.push({
      x,
      y,
      merchantCategory: MERCHANT_CATEGORIES[rng.int(MERCHANT_CATEGORIES.length)]!,
      country: COUNTRIES[(x < 50 ? 0 : 1) + (y < 50 ? 0 : 2)]!,
      channel: c < 0.85 ? "pos" : c < 0.95 ? "ecom" : "atm",
    });
  }
  return out;
}

/** Terminals within `radius`, found through a grid of radius-sized cells (not all pairs). */
export function makeCustomers(rng: Prng, n: number, terminals: readonly Terminal[], radius: number): Customer[] {
  const cell = Math.max(radius, 1);
  const cellsPerSide = Math.ceil(100 / cell) + 1;
  const buckets: number[][] = Array.from({ length: cellsPerSide * cellsPerSide }, () => []);
  terminals.forEach((t, i) => buckets[Math.floor(t.x / cell) * cellsPerSide + Math.floor(t.y / cell)]!.push(i));
  const out: Customer[] = [];
  const r2 = radius * radius;
  for (let i = 0; i < n; i++) {
    const x = rng.uniform(0, 100);
    const y = rng.uniform(0, 100);
    const meanAmount = rng.uniform(5, 100);
    const meanPerDay = rng.uniform(0, 4);
    const cx = Math.floor(x / cell);
    const cy = Math.floor(y / cell);
    const reach: number[] = [];
    for (let gx = Math.max(0, cx - 1); gx <= Math.min(cellsPerSide - 1, cx + 1); gx++) {
      for (let gy = Math.max(0, cy - 1); gy <= Math.min(cellsPerSide - 1, cy + 1); gy++) {
        for (const ti of buckets[gx * cellsPerSide + gy]!) {
          const t = terminals[ti]!;
          if ((t.x - x) ** 2 + (t.y - y) ** 2 < r2) reach.push(ti);
        }
      }
    }
    reach.sort((a, b) => a - b);
    out.push({ x, y, meanAmount, stdAmount: meanAmount / 2, meanPerDay, terminals: Int32Array.from(reach) });
  }
  return out;
}
