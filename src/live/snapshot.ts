/**
 * What `ccost watch` shows: today's spend, burn rate, the active block and its projection, spend
 * per agent and per model, budget status. Pure: rows and a clock in, a snapshot out.
 */
import { agentOf, BUCKET_MS, SYNTHETIC_MODEL, type CostedRow } from '../usage/aggregate.js';
import { buildBlocks, type Block } from '../usage/blocks.js';
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
  const day = calendar.day(now);
  const month = calendar.month(now);
  const today = { cost: 0, tokens: 0 };
  const thisMonth = { cost: 0, tokens: 0 };
  const agents = new Map<string, SnapshotRow>();
  const models = new Map<string, SnapshotRow>();
  for (const c of rows) {
    const ms = c.row.bucket * BUCKET_MS;
    if (calendar.month(ms) !== month) continue;
    thisMonth.cost += c.cost;
    thisMonth.tokens += c.row.totalTokens;
    if (calendar.day(ms) !== day) continue;
    today.cost += c.cost;
    today.tokens += c.row.totalTokens;
    const name = agentOf(c.file);
    const a = agents.get(name) ?? { name, team: c.file.team, cost: 0, tokens: 0 };
    a.cost += c.cost;
    a.tokens += c.row.totalTokens;
    agents.set(name, a);
    if (c.row.model !== SYNTHETIC_MODEL) {
      const m = models.get(c.row.model) ?? { name: c.row.model, team: null, cost: 0, tokens: 0 };
      m.cost += c.cost;
      m.tokens += c.row.totalTokens;
      models.set(c.row.model, m);
    }
  }
  const byCost = (a: SnapshotRow, b: SnapshotRow) => b.cost - a.cost || a.name.localeCompare(b.name);
  const list: Snapshot['budgets'] = [];
  if (budgets.daily !== undefined) list.push({ name: 'daily', spent: today.cost, limit: budgets.daily });
  if (budgets.monthly !== undefined) list.push({ name: 'monthly', spent: thisMonth.cost, limit: budgets.monthly });
  return {
    now,
    day,
    today,
    month: thisMonth,
    block: buildBlocks(rows, now).find((b) => b.active) ?? null,
    agents: [...agents.values()].sort(byCost),
    models: [...models.values()].sort(byCost),
    budgets: list,
  };
}
