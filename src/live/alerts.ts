/**
 * Budget and burn-rate rules, evaluated against usage. Pure.
 */
import { agentOf, type CostedRow, BUCKET_MS } from '../usage/aggregate.js';
import type { Block } from '../usage/blocks.js';
import type { Calendar } from '../usage/time.js';

export interface AlertRules {
  dailyBudget?: number;
  monthlyBudget?: number;
  /** Daily budgets per agent (container instance, or "host"). */
  agentBudgets: Record<string, number>;
  /** Daily budgets per team context. */
  teamBudgets: Record<string, number>;
  /** Ceiling for the active block's cost per hour. */
  burnRate?: number;
  /** Token limit of a 5-hour block. */
  blockTokenLimit?: number;
  /** Percent of a limit at which a rule warns. */
  warnAt: number;
}

export type Level = 'ok' | 'warning' | 'exceeded';

export interface AlertResult {
  /** Stable name of the rule, e.g. `daily`, `agent:my-agent`. */
  rule: string;
  level: Level;
  value: number;
  limit: number;
  unit: 'USD' | 'USD/h' | 'tokens';
  /** The period the value belongs to (day, month or block start): alerts repeat once per period. */
  period: string;
  message: string;
}

const money = (n: number) => `$${n.toFixed(2)}`;

function levelOf(value: number, limit: number, warnAt: number): Level {
  if (value >= limit) return 'exceeded';
  return value >= (limit * warnAt) / 100 ? 'warning' : 'ok';
}

export function evaluate(rules: AlertRules, rows: readonly CostedRow[], activeBlock: Block | null, calendar: Calendar, now: number): AlertResult[] {
  const today = calendar.day(now);
  const month = calendar.month(now);
  let dayCost = 0;
  let monthCost = 0;
  const agentCost = new Map<string, number>();
  const teamCost = new Map<string, number>();
  for (const c of rows) {
    const ms = c.row.bucket * BUCKET_MS;
    if (calendar.month(ms) !== month) continue;
    monthCost += c.cost;
    if (calendar.day(ms) !== today) continue;
    dayCost += c.cost;
    const agent = agentOf(c.file);
    agentCost.set(agent, (agentCost.get(agent) ?? 0) + c.cost);
    if (c.file.team) teamCost.set(c.file.team, (teamCost.get(c.file.team) ?? 0) + c.cost);
  }
  const out: AlertResult[] = [];
  const budget = (rule: string, label: string, value: number, limit: number, period: string) => {
    const level = levelOf(value, limit, rules.warnAt);
    const pct = limit > 0 ? ` (${((100 * value) / limit).toFixed(0)}%)` : '';
    const message =
      level === 'exceeded' ? `${label} usage ${money(value)} exceeds threshold ${money(limit)}` : `${label} usage ${money(value)} of ${money(limit)}${pct}`;
    out.push({ rule, level, value, limit, unit: 'USD', period, message });
  };
  if (rules.dailyBudget !== undefined) budget('daily', 'Daily', dayCost, rules.dailyBudget, today);
  if (rules.monthlyBudget !== undefined) budget('monthly', 'Monthly', monthCost, rules.monthlyBudget, month);
  for (const [name, limit] of Object.entries(rules.agentBudgets)) budget(`agent:${name}`, `Agent ${name} daily`, agentCost.get(name) ?? 0, limit, today);
  for (const [name, limit] of Object.entries(rules.teamBudgets)) budget(`team:${name}`, `Team ${name} daily`, teamCost.get(name) ?? 0, limit, today);
  const blockPeriod = activeBlock ? new Date(activeBlock.start).toISOString() : today;
  if (rules.burnRate !== undefined) {
    const rate = activeBlock?.burnRate?.costPerHour ?? 0;
    const level = levelOf(rate, rules.burnRate, rules.warnAt);
    out.push({
      rule: 'burn-rate',
      level,
      value: rate,
      limit: rules.burnRate,
      unit: 'USD/h',
      period: blockPeriod,
      message: level === 'exceeded' ? `Burn rate ${money(rate)}/h exceeds ceiling ${money(rules.burnRate)}/h` : `Burn rate ${money(rate)}/h (ceiling ${money(rules.burnRate)}/h)`,
    });
  }
  if (rules.blockTokenLimit !== undefined) {
    const tokens = activeBlock?.totals.totalTokens ?? 0;
    const level = levelOf(tokens, rules.blockTokenLimit, rules.warnAt);
    out.push({
      rule: 'block-tokens',
      level,
      value: tokens,
      limit: rules.blockTokenLimit,
      unit: 'tokens',
      period: blockPeriod,
      message: `${level === 'exceeded' ? 'Block tokens exceed the limit' : 'Block tokens'}: ${tokens.toLocaleString('en-US')} of ${rules.blockTokenLimit.toLocaleString('en-US')}`,
    });
  }
  return out;
}

export function worst(results: readonly AlertResult[]): Level {
  if (results.some((r) => r.level === 'exceeded')) return 'exceeded';
  return results.some((r) => r.level === 'warning') ? 'warning' : 'ok';
}

export const EXIT_CODES: Record<Level, number> = { ok: 0, warning: 10, exceeded: 11 };
