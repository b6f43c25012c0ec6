/**
 * Spend in the current day, week or month, per key (an agent, a team, a model, everyone): the one
 * way alerts, budgets, `ccost watch` and `ccorc list` get their period totals, whether from a list
 * of rows once (periodTotals) or kept current as rows come and go (PeriodSums, in LiveTotals). Pure.
 */
import { agentOf, BUCKET_MS, SYNTHETIC_MODEL, type CostedRow } from './aggregate.js';
import { CostSum } from './money.js';
import type { Calendar } from './time.js';

export type Period = 'day' | 'week' | 'month';

export interface Spend {
  cost: number;
  tokens: number;
}

/** What spend is grouped by: everyone together, the agent (container instance or "host"), the team context, the model. */
export type TotalsKey = 'all' | 'agent' | 'team' | 'model';

/** A row's key; null leaves it out (a file of no team; the `<synthetic>` model, which costs nothing). */
export const KEY_OF: Readonly<Record<TotalsKey, (c: CostedRow) => string | null>> = {
  all: () => '',
  agent: (c) => agentOf(c.file),
  team: (c) => c.file.team,
  model: (c) => (c.row.model === SYNTHETIC_MODEL ? null : c.row.model),
};

/** The key of the period an instant is in: its local day, the first day of its week, or its month. */
export function periodKey(calendar: Calendar, period: Period, ms: number): string {
  return period === 'day' ? calendar.day(ms) : period === 'week' ? calendar.week(ms) : calendar.month(ms);
}

interface Sum {
  cost: CostSum;
  tokens: number;
  /** Rows summed in: a key whose rows have all gone is dropped, as a sum made afresh would not hold it. */
  rows: number;
}

/**
 * Sums per period and key of the rows added and not removed since. Costs are exact integers, so a
 * row taken out leaves exactly the sum of the others, in any order.
 */
export class PeriodSums {
  private readonly byPeriod = new Map<string, Map<string, Sum>>();

  constructor(
    private readonly calendar: Calendar,
    private readonly period: Period,
    private readonly keyOf: (c: CostedRow) => string | null,
  ) {}

  /** `sign` -1 takes out a row added before. */
  add(c: CostedRow, sign: 1 | -1 = 1): void {
    const key = this.keyOf(c);
    if (key === null) return;
    const p = periodKey(this.calendar, this.period, c.row.bucket * BUCKET_MS);
    let sums = this.byPeriod.get(p);
    if (!sums) this.byPeriod.set(p, (sums = new Map()));
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { cost: new CostSum(), tokens: 0, rows: 0 }));
    s.cost.add(sign * c.cost);
    s.tokens += sign * c.row.totalTokens;
    s.rows += sign;
    if (s.rows === 0) {
      sums.delete(key);
      if (sums.size === 0) this.byPeriod.delete(p);
    }
  }

  /** Cost and tokens per key in the period holding `now`. */
  at(now: number): Map<string, Spend> {
    const out = new Map<string, Spend>();
    for (const [key, s] of this.byPeriod.get(periodKey(this.calendar, this.period, now)) ?? []) out.set(key, { cost: s.cost.usd(), tokens: s.tokens });
    return out;
  }
}

/** Beyond a month and the widest zone offsets from now: never in now's period. */
const FAR_MS = 33 * 86_400_000;

/** Cost and tokens of the rows in `now`'s period, per key; rows whose key is null are left out. */
export function periodTotals(rows: readonly CostedRow[], calendar: Calendar, period: Period, now: number, key: TotalsKey): Map<string, Spend> {
  const sums = new PeriodSums(calendar, period, KEY_OF[key]);
  // No period is longer than a month: rows further off are skipped before the costlier calendar.
  for (const c of rows) if (Math.abs(c.row.bucket * BUCKET_MS - now) <= FAR_MS) sums.add(c);
  return sums.at(now);
}
