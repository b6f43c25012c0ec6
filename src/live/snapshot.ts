/**
 * What `ccost watch` shows: today's spend, burn rate, the active block and its projection, spend
 * per agent and per model, budget status. Pure: totals and a clock in, a snapshot out.
 */
import type { Block } from '../usage/blocks.js';
import type { LiveTotals } from '../usage/live-totals.js';
import type { Calendar } from '../usage/time.js';

export interface SnapshotRow {
  name: string;
  team: string | null;
  cost: number;
  tokens: number;
}

export interface Snapshot {
  now: number;
  day: string;
  today: { cost: number; tokens: number };
  month: { cost: number; tokens: number };
  block: Block | null;
  agents: SnapshotRow[];
  models: SnapshotRow[];
  budgets: Array<{ name: string; spent: number; limit: number }>;
}

export function snapshot(totals: LiveTotals, calendar: Calendar, now: number, budgets: { daily?: number; monthly?: number }): Snapshot {
  const none = { cost: 0, tokens: 0 };
  const today = totals.period('day', 'all', now).get('') ?? none;
  const thisMonth = totals.period('month', 'all', now).get('') ?? none;
  const agents = [...totals.period('day', 'agent', now)].map(([name, s]) => ({ name, team: totals.teamOf(name), ...s }));
  const models = [...totals.period('day', 'model', now)].map(([name, s]) => ({ name, team: null, ...s }));
  const byCost = (a: SnapshotRow, b: SnapshotRow) => b.cost - a.cost || a.name.localeCompare(b.name);
  const list: Snapshot['budgets'] = [];
  if (budgets.daily !== undefined) list.push({ name: 'daily', spent: today.cost, limit: budgets.daily });
  if (budgets.monthly !== undefined) list.push({ name: 'monthly', spent: thisMonth.cost, limit: budgets.monthly });
  return {
    now,
    day: calendar.day(now),
    today,
    month: thisMonth,
    block: totals.activeBlock(now),
    agents: agents.sort(byCost),
    models: models.sort(byCost),
    budgets: list,
  };
}
