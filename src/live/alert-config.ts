/**
 * Alert rules from flags and the YAML config file (~/.config/ccorc/alerts.yaml). Flags win.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { budgetRule, type Action, type AlertRules, type Budget, type Period, type Scope } from './alerts.js';

export class ConfigError extends Error {}

export interface AlertConfig {
  rules: AlertRules;
  exec?: string;
  webhooks: string[];
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ccorc', 'alerts.yaml');
}

const KEYS = ['daily_budget', 'weekly_budget', 'monthly_budget', 'warn_at', 'burn_rate', 'block_token_limit', 'agent_budgets', 'team_budgets', 'budgets', 'on_exceeded', 'exec', 'webhook', 'webhooks'];
export const ACTIONS: readonly Action[] = ['none', 'pause', 'stop'];
export const PERIODS: readonly Period[] = ['day', 'week', 'month'];
const SCOPES: readonly Scope[] = ['global', 'agent', 'team'];

/** Budgets by rule name, later ones replacing earlier ones of the same rule (flags after the file). */
export function mergeBudgets(...lists: Budget[][]): Budget[] {
  const byRule = new Map<string, Budget>();
  for (const list of lists) for (const b of list) byRule.set(budgetRule(b), b);
  return [...byRule.values()];
}

/** Reads and checks the file; every problem names the file and the field. */
export function readConfigFile(path: string): AlertConfig {
  let doc: unknown;
  try {
    // Loaded only when there is a file to read: the YAML parser costs every ccost run ~40 ms to load.
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message.split('\n')[0]}`);
  }
  const cfg: AlertConfig = { rules: { budgets: [], warnAt: 80 }, webhooks: [] };
  if (doc === null || doc === undefined) return cfg;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${path}: expected a mapping of settings (daily_budget: 20, ...)`);
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new ConfigError(`${path}: unknown field "${k}" (known: ${KEYS.join(', ')})`);
  const num = (k: string): number | undefined => {
    if (o[k] === undefined || o[k] === null) return undefined;
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0) throw new ConfigError(`${path}: field "${k}" must be a non-negative number`);
    return o[k] as number;
  };
  const map = (k: string): Record<string, number> => {
    if (o[k] === undefined || o[k] === null) return {};
    if (typeof o[k] !== 'object' || Array.isArray(o[k])) throw new ConfigError(`${path}: field "${k}" must map names to amounts in USD`);
    const out: Record<string, number> = {};
    for (const [name, v] of Object.entries(o[k] as Record<string, unknown>)) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ConfigError(`${path}: field "${k}.${name}" must be a non-negative number`);
      out[name] = v;
    }
    return out;
  };
  const oneOf = <T extends string>(v: unknown, allowed: readonly T[], field: string): T => {
    if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ConfigError(`${path}: field "${field}" must be one of ${allowed.join(', ')}`);
    return v as T;
  };
  const action: Action = o.on_exceeded === undefined ? 'none' : oneOf(o.on_exceeded, ACTIONS, 'on_exceeded');
  const budgets: Budget[] = [];
  for (const [key, period] of [['daily_budget', 'day'], ['weekly_budget', 'week'], ['monthly_budget', 'month']] as const) {
    const limit = num(key);
    if (limit !== undefined) budgets.push({ scope: 'global', name: null, period, limit, action });
  }
  for (const [name, limit] of Object.entries(map('agent_budgets'))) budgets.push({ scope: 'agent', name, period: 'day', limit, action });
  for (const [name, limit] of Object.entries(map('team_budgets'))) budgets.push({ scope: 'team', name, period: 'day', limit, action });
  if (o.budgets !== undefined && o.budgets !== null) {
    if (!Array.isArray(o.budgets)) throw new ConfigError(`${path}: field "budgets" must be a list of {scope, name, period, limit, action}`);
    o.budgets.forEach((raw, i) => {
      const f = `budgets[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: field "${f}" must be a mapping {scope, name, period, limit, action}`);
      const e = raw as Record<string, unknown>;
      for (const k of Object.keys(e)) if (!['scope', 'name', 'period', 'limit', 'action'].includes(k)) throw new ConfigError(`${path}: unknown field "${f}.${k}"`);
      const scope = e.scope === undefined ? 'global' : oneOf(e.scope, SCOPES, `${f}.scope`);
      if (scope !== 'global' && (typeof e.name !== 'string' || !e.name)) throw new ConfigError(`${path}: field "${f}.name" is required for an ${scope} budget`);
      if (typeof e.limit !== 'number' || !Number.isFinite(e.limit) || e.limit < 0) throw new ConfigError(`${path}: field "${f}.limit" must be a non-negative number (USD)`);
      budgets.push({
        scope,
        name: scope === 'global' ? null : (e.name as string),
        period: e.period === undefined ? 'day' : oneOf(e.period, PERIODS, `${f}.period`),
        limit: e.limit,
        action: e.action === undefined ? action : oneOf(e.action, ACTIONS, `${f}.action`),
      });
    });
  }
  cfg.rules = { budgets: mergeBudgets(budgets), burnRate: num('burn_rate'), blockTokenLimit: num('block_token_limit'), warnAt: num('warn_at') ?? 80 };
  if (o.exec !== undefined) {
    if (typeof o.exec !== 'string' || !o.exec.trim()) throw new ConfigError(`${path}: field "exec" must be a command line`);
    cfg.exec = o.exec;
  }
  for (const k of ['webhook', 'webhooks']) {
    const v = o[k];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    for (const u of list) {
      if (typeof u !== 'string' || !/^https?:\/\//.test(u)) throw new ConfigError(`${path}: field "${k}" must be an http(s) URL`);
      cfg.webhooks.push(u);
    }
  }
  return cfg;
}

export function loadConfig(path: string | undefined): AlertConfig | null {
  const p = path ?? defaultConfigPath();
  if (!existsSync(p)) {
    if (path) throw new ConfigError(`${path}: no such file`);
    return null;
  }
  return readConfigFile(p);
}
