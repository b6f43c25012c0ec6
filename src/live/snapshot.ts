/**
 * What `ccost watch` shows: today's spend, burn rate, the active block and its projection, spend
 * per agent and per model, budget status. Pure: rows and a clock in, a snapshot out.
 */
import { agentOf, SYNTHETIC_MODEL, type CostedRow } from '../usage/aggregate.js';
import { periodTotals } from '../usage/period-totals.js';
import { activeBlock, type Block } from '../usage/blocks.js';
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

export function snapshot(rows: readonly CostedRow[], calendar: Calendar, now: number, budgets: { daily?: number; monthly?: number }): Snapshot {
  const all = () => '';
  const none = { cost: 0, tokens: 0 };
  const today = periodTotals(rows, calendar, 'day', now, all).get('') ?? none;
  const thisMonth = periodTotals(rows, calendar, 'month', now, all).get('') ?? none;
  const teams = new Map<string, string | null>();
  const agents = [...periodTotals(rows, calendar, 'day', now, (c) => {
    const name = agentOf(c.file);
    if (!teams.has(name)) teams.set(name, c.file.team);
    return name;
  })].map(([name, s]) => ({ name, team: teams.get(name) ?? null, ...s }));
  const models = [...periodTotals(rows, calendar, 'day', now, (c) => (c.row.model === SYNTHETIC_MODEL ? null : c.row.model))].map(([name, s]) => ({ name, team: null, ...s }));
  const byCost = (a: SnapshotRow, b: SnapshotRow) => b.cost - a.cost || a.name.localeCompare(b.name);
  const list: Snapshot['budgets'] = [];
  if (budgets.daily !== undefined) list.push({ name: 'daily', spent: today.cost, limit: budgets.daily });
  if (budgets.monthly !== undefined) list.push({ name: 'monthly', spent: thisMonth.cost, limit: budgets.monthly });
  return {
    now,
    day: calendar.day(now),
    today,
    month: thisMonth,
    block: activeBlock(rows, now),
    agents: agents.sort(byCost),
    models: models.sort(byCost),
    budgets: list,
  };
}
