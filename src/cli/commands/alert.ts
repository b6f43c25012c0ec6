/**
 * ccost alert: budgets and burn-rate ceilings. One-shot for cron (exit 0 ok, 10 warning,
 * 11 exceeded), or --watch to notify once per rule and period as usage changes.
 */
import { Command, InvalidArgumentError } from 'commander';
import { AlertState, defaultStatePath } from '../../live/alert-state.js';
import { ConfigError, loadConfig, type AlertConfig } from '../../live/alert-config.js';
import { evaluate, EXIT_CODES, worst, type AlertResult, type AlertRules } from '../../live/alerts.js';
import { payloadOf, postWebhook, runExec, splitCommand } from '../../live/notify.js';
import { Tailer } from '../../live/tailer.js';
import { coalesce } from '../../live/coalesce.js';
import { filterRows } from '../../reports/build.js';
import { buildBlocks } from '../../usage/blocks.js';
import { Calendar } from '../../usage/time.js';
import { addSourceOptions, dirsOf, loadCostedRows, positiveNumber, timeZoneOf, UsageError, type SourceOptions } from '../common.js';

interface AlertOptions extends SourceOptions {
  dailyBudget?: number;
  monthlyBudget?: number;
  agentBudget: Array<[string, number]>;
  teamBudget: Array<[string, number]>;
  burnRate?: number;
  blockTokenLimit?: number;
  warnAt?: number;
  config?: string;
  watch?: boolean;
  exec?: string;
  webhook: string[];
  state?: string;
  json?: boolean;
}

function namedAmount(v: string, prev: Array<[string, number]>): Array<[string, number]> {
  const m = /^(.+)=(\d+(?:\.\d+)?)$/.exec(v);
  if (!m) throw new InvalidArgumentError(`"${v}" is not NAME=USD`);
  return [...prev, [m[1]!, Number(m[2])]];
}

function url(v: string, prev: string[]): string[] {
  if (!/^https?:\/\//.test(v)) throw new InvalidArgumentError(`"${v}" is not an http(s) URL`);
  return [...prev, v];
}

export function alertCommand(program: Command): void {
  const cmd = program
    .command('alert')
    .description('check budgets and burn rate: exit 0 ok, 10 warning, 11 exceeded; --watch notifies as usage changes')
    .option('--daily-budget <usd>', "today's spend limit", positiveNumber)
    .option('--monthly-budget <usd>', "this month's spend limit", positiveNumber)
    .option('--agent-budget <name=usd>', 'daily limit for one agent (repeatable)', namedAmount, [])
    .option('--team-budget <name=usd>', 'daily limit for one team context (repeatable)', namedAmount, [])
    .option('--burn-rate <usd_per_hour>', "ceiling for the active block's cost per hour", positiveNumber)
    .option('--block-token-limit <tokens>', 'token limit of a 5-hour block', positiveNumber)
    .option('--warn-at <percent>', 'warn at this percent of a limit (default 80)', positiveNumber)
    .option('--config <path>', 'rules file (YAML; default ~/.config/ccorc/alerts.yaml when it exists)')
    .option('--watch', 'keep running: evaluate on every change, notify once per rule and period')
    .option('--exec <command>', 'run this command (no shell) for each alert, with the alert as JSON on stdin and CCOST_ALERT_* variables')
    .option('--webhook <url>', 'POST each alert as JSON to this URL (repeatable)', url, [])
    .option('--state <path>', 'where sent alerts are remembered (default ~/.local/state/ccorc/alert-state.json)')
    .option('-j, --json', 'print the results as JSON');
  addSourceOptions(cmd).action(runAlert);
}

function rulesFrom(opts: AlertOptions): AlertConfig {
  let file: AlertConfig | null;
  try {
    file = loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const base = file?.rules ?? { agentBudgets: {}, teamBudgets: {}, warnAt: 80 };
  const rules: AlertRules = {
    dailyBudget: opts.dailyBudget ?? base.dailyBudget,
    monthlyBudget: opts.monthlyBudget ?? base.monthlyBudget,
    burnRate: opts.burnRate ?? base.burnRate,
    blockTokenLimit: opts.blockTokenLimit ?? base.blockTokenLimit,
    warnAt: opts.warnAt ?? base.warnAt,
    agentBudgets: { ...base.agentBudgets, ...Object.fromEntries(opts.agentBudget) },
    teamBudgets: { ...base.teamBudgets, ...Object.fromEntries(opts.teamBudget) },
  };
  const any = [rules.dailyBudget, rules.monthlyBudget, rules.burnRate, rules.blockTokenLimit].some((x) => x !== undefined) || Object.keys(rules.agentBudgets).length + Object.keys(rules.teamBudgets).length > 0;
  if (!any) throw new UsageError('no alert rules: give --daily-budget, --monthly-budget, --agent-budget, --team-budget, --burn-rate or --block-token-limit, or a config file (--config)');
  return { rules, exec: opts.exec ?? file?.exec, webhooks: [...(file?.webhooks ?? []), ...opts.webhook] };
}

async function check(opts: AlertOptions, rules: AlertRules, tz: string): Promise<{ results: AlertResult[]; now: number }> {
  const now = opts.now ?? Date.now();
  const calendar = new Calendar(tz);
  const { rows } = await loadCostedRows(opts);
  const selected = filterRows(rows, calendar, { project: opts.project, agent: opts.agent });
  const active = buildBlocks(selected, now).find((b) => b.active) ?? null;
  return { results: evaluate(rules, selected, active, calendar, now), now };
}

function print(results: AlertResult[], json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ status: worst(results), results }, null, 2) + '\n');
  else for (const r of results) process.stdout.write(`[${r.level.toUpperCase()}] ${r.message}\n`);
}

async function runAlert(opts: AlertOptions): Promise<void> {
  const cfg = rulesFrom(opts);
  const tz = timeZoneOf(opts);
  let execArgv: string[] | null = null;
  if (cfg.exec) {
    try {
      execArgv = splitCommand(cfg.exec);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (execArgv.length === 0) throw new UsageError('--exec needs a command');
  }
  const state = new AlertState(opts.state ?? defaultStatePath());
  const log = (s: string) => process.stderr.write(s + '\n');
  const notify = async (results: AlertResult[], now: number) => {
    for (const r of state.due(results)) {
      const payload = payloadOf(r, now);
      if (execArgv) await runExec(execArgv, payload, log);
      for (const u of cfg.webhooks) await postWebhook(u, payload, log);
      if (!execArgv && cfg.webhooks.length === 0 && opts.watch) log(`[${r.level.toUpperCase()}] ${r.message}`);
      state.record(r);
    }
  };

  if (!opts.watch) {
    const { results, now } = await check(opts, cfg.rules, tz);
    print(results, Boolean(opts.json));
    if (execArgv || cfg.webhooks.length) await notify(results, now);
    process.exitCode = EXIT_CODES[worst(results)];
    return;
  }

  const round = coalesce(
    async () => {
      const { results, now } = await check(opts, cfg.rules, tz);
      await notify(results, now);
    },
    (err) => log(`alert: evaluation failed: ${(err as Error).message}`),
  );
  await round();
  const tailer = new Tailer({ dirs: dirsOf(opts), fromStart: false }, () => void round());
  await tailer.start();
  const clock = setInterval(() => void round(), 60_000); // a new day or block starts without any write
  log(`ccost alert: watching ${dirsOf(opts).join(', ')} (Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(clock);
      tailer.close();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
