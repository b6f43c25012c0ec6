/**
 * Costs as integers of a fixed fraction of a dollar, summed exactly and rounded once at output, so
 * that any order of the same events (a full scan, a kept or rebuilt ledger, a replay, the live state,
 * a fleet merge) gives the same bytes, and JSON carries no float noise. Pure.
 *
 * Every price in the table is a whole number of units per token (the finest, 3.125e-7, included),
 * so a calculated cost is exact; a recorded `costUSD` is rounded to the unit once, per line.
 */

/** A whole number of 1e-10 USD. */
export type CostUnits = number & { readonly __brand: 'CostUnits' };

export const UNITS_PER_USD = 1e10;

/** Bound of one addend (and of one rollup row's sum) that keeps CostSum exact in doubles. */
const CHUNK = 2 ** 52;

export const ZERO_UNITS = 0 as CostUnits;

export function toUnits(usd: number): CostUnits {
  return Math.round(usd * UNITS_PER_USD) as CostUnits;
}

export function addUnits(a: CostUnits, b: CostUnits): CostUnits {
  return (a + b) as CostUnits;
}

/** USD of a whole number of units: the one rounding of a cost on its way out. */
export function unitsToUsd(units: CostUnits | bigint): number {
  if (typeof units === 'number') return units / UNITS_PER_USD;
  // Dividing by an exact power of ten once, so that 757742341500n prints as 75.77423415.
  return Number(units) / UNITS_PER_USD;
}

/**
 * An exact sum of any number of CostUnits (each below 2^52 in size): `lo` stays in [0, 2^52) and `hi`
 * counts the 2^52s, so a fleet's year of spend sums without a lost digit and without BigInt's cost
 * on every addition.
 */
export class CostSum {
  private hi = 0;
  private lo = 0;

  add(units: number): void {
    let lo = this.lo + units;
    if (lo >= CHUNK || lo < 0) {
      const q = Math.floor(lo / CHUNK);
      this.hi += q;
      lo -= q * CHUNK;
    }
    this.lo = lo;
  }

  addSum(other: CostSum): void {
    this.hi += other.hi;
    this.add(other.lo);
  }

  units(): bigint {
    return BigInt(this.hi) * BigInt(CHUNK) + BigInt(this.lo);
  }

  usd(): number {
    return this.hi === 0 ? this.lo / UNITS_PER_USD : unitsToUsd(this.units());
  }
}
