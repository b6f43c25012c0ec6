/**
 * Spend in the current day, week or month, per key (an agent, a team, a model, everyone): the one
 * function that alerts, budgets and `ccost watch` take their period totals from. Pure.
 */
import { BUCKET_MS, type CostedRow } from './aggregate.js';
import { CostSum } from './money.js';
import type { Calendar } from './time.js';

export type Period = 'day' | 'week' | 'month';

export interface Spend {
  cost: number;
  tokens: number;
}

/** The key of the period an instant is in: its local day, the first day of its week, or its month. */
export function periodKey(calendar: Calendar, period: Period, ms: number): string {
  return period === 'day' ? calendar.day(ms) : period === 'week' ? calendar.week(ms) : calendar.month(ms);
}

/** Beyond a month and the widest zone offsets from now: never in now's period. */
const FAR_MS = 33 * 86_400_000;

/** Cost and tokens of the rows in `now`'s period, per key; rows whose key is null are left out. */
export function periodTotals(rows: readonly CostedRow[], calendar: Calendar, period: Period, now: number, keyOf: (c: CostedRow) => string | null): Map<string, Spend> {
  const current = periodKey(calendar, period, now);
  const sums = new Map<string, { cost: CostSum; tokens: number }>();
  for (const c of rows) {
    const ms = c.row.bucket * BUCKET_MS;
    // No period is longer than a month: rows further off are skipped before the costlier calendar.
    if (Math.abs(ms - now) > FAR_MS) continue;
    if (periodKey(calendar, period, ms) !== current) continue;
    const key = keyOf(c);
    if (key === null) continue;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { cost: new CostSum(), tokens: 0 }));
    s.cost.add(c.cost);
    s.tokens += c.row.totalTokens;
  }
  const out = new Map<string, Spend>();
  for (const [key, s] of sums) out.set(key, { cost: s.cost.usd(), tokens: s.tokens });
  return out;
}
