/**
 * Budget and burn-rate rules, evaluated against usage. Pure.
 */
import { periodKey, type Period, type TotalsKey } from '../usage/period-totals.js';
import type { LiveTotals } from '../usage/live-totals.js';

export type { Period };
import type { Calendar } from '../usage/time.js';

/** Whose spend a budget limits: everyone's, one agent's (container instance, or "host"), one team context's. */
export type Scope = 'global' | 'agent' | 'team';
/** What the guard does to the budget's containers when it is exceeded. */
export type Action = 'none' | 'pause' | 'stop';

export interface Budget {
  scope: Scope;
  /** The agent or team; null for a global budget. */
  name: string | null;
  period: Period;
  limit: number;
  action: Action;
}

export interface AlertRules {
  budgets: Budget[];
  /** Ceiling for the active block's cost per hour. */
  burnRate?: number;
  /** Token limit of a 5-hour block. */
  blockTokenLimit?: number;
  /** Percent of a limit at which a rule warns. */
  warnAt: number;
}

export type Level = 'ok' | 'warning' | 'exceeded';

export interface AlertResult {
  /** Stable name of the rule, e.g. `daily`, `agent:my-agent`, `team:dev:week`. */
  rule: string;
  level: Level;
  value: number;
  limit: number;
  unit: 'USD' | 'USD/h' | 'tokens';
  /** The period the value belongs to (day, week, month or block start): alerts repeat once per period. */
  period: string;
  message: string;
  /** For budgets: the budget, with its action on exceeding. */
  budget?: Budget;
  /** What the guard did (or, with --dry-run, would do) for this rule in this evaluation. */
  action?: { kind: string; containers: string[]; dryRun: boolean };
}

const PERIOD_WORD: Record<Period, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** `daily`, `weekly`, `monthly`; `agent:NAME` and `team:NAME` for a day, `agent:NAME:week`, `team:NAME:month`. */
export function budgetRule(b: Pick<Budget, 'scope' | 'name' | 'period'>): string {
  if (b.scope === 'global') return PERIOD_WORD[b.period];
  return `${b.scope}:${b.name}${b.period === 'day' ? '' : `:${b.period}`}`;
}

function budgetLabel(b: Budget): string {
  const word = PERIOD_WORD[b.period];
  if (b.scope === 'global') return word[0]!.toUpperCase() + word.slice(1);
  return `${b.scope === 'agent' ? 'Agent' : 'Team'} ${b.name} ${word}`;
}

const money = (n: number) => `$${n.toFixed(2)}`;

function levelOf(value: number, limit: number, warnAt: number): Level {
  if (value >= limit) return 'exceeded';
  return value >= (limit * warnAt) / 100 ? 'warning' : 'ok';
}

const KEY_OF_SCOPE: Record<Scope, TotalsKey> = { global: 'all', agent: 'agent', team: 'team' };

/** Spend of each budget in its current period. */
export function budgetSpend(budgets: readonly Budget[], totals: LiveTotals, now: number): number[] {
  return budgets.map((b) => totals.period(b.period, KEY_OF_SCOPE[b.scope], now).get(b.name ?? '')?.cost ?? 0);
}

export function evaluate(rules: AlertRules, totals: LiveTotals, calendar: Calendar, now: number): AlertResult[] {
  const today = calendar.day(now);
  const out: AlertResult[] = [];
  const spent = budgetSpend(rules.budgets, totals, now);
  const activeBlock = rules.burnRate !== undefined || rules.blockTokenLimit !== undefined ? totals.activeBlock(now) : null;
  rules.budgets.forEach((b, i) => {
    const value = spent[i]!;
    const level = levelOf(value, b.limit, rules.warnAt);
    const pct = b.limit > 0 ? ` (${((100 * value) / b.limit).toFixed(0)}%)` : '';
    const label = budgetLabel(b);
    const message = level === 'exceeded' ? `${label} usage ${money(value)} exceeds threshold ${money(b.limit)}` : `${label} usage ${money(value)} of ${money(b.limit)}${pct}`;
    out.push({ rule: budgetRule(b), level, value, limit: b.limit, unit: 'USD', period: periodKey(calendar, b.period, now), message, budget: b });
  });
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
