/**
 * Alert rules from flags and the YAML config file (~/.config/ccorc/alerts.yaml). Flags win.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { AlertRules } from './alerts.js';

export class ConfigError extends Error {}

export interface AlertConfig {
  rules: AlertRules;
  exec?: string;
  webhooks: string[];
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ccorc', 'alerts.yaml');
}

const KEYS = ['daily_budget', 'monthly_budget', 'warn_at', 'burn_rate', 'block_token_limit', 'agent_budgets', 'team_budgets', 'exec', 'webhook', 'webhooks'];

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
  const cfg: AlertConfig = { rules: { agentBudgets: {}, teamBudgets: {}, warnAt: 80 }, webhooks: [] };
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
  cfg.rules = {
    dailyBudget: num('daily_budget'),
    monthlyBudget: num('monthly_budget'),
    burnRate: num('burn_rate'),
    blockTokenLimit: num('block_token_limit'),
    warnAt: num('warn_at') ?? 80,
    agentBudgets: map('agent_budgets'),
    teamBudgets: map('team_budgets'),
  };
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
