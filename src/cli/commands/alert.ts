/**
 * ccost alert: budgets and burn-rate ceilings. One-shot for cron (exit 0 ok, 10 warning,
 * 11 exceeded), or --watch to notify once per rule and period as usage changes.
 */
import { Command, InvalidArgumentError } from 'commander';
import { AlertState, defaultStatePath } from '../../live/alert-state.js';
import { checkWritable, peekStateFile, StateFileError } from '../../live/state-file.js';
import { emptyGuardDoc, isGuardDoc, planGuard, type GuardStep } from '../../live/guard.js';
import { defaultGuardPath, updateGuardDoc } from '../../live/guard-state.js';
import { applyStep, guardContainers } from '../../agents/guard-steps.js';
import { EngineError } from '../../docker/engine.js';
import { ACTIONS, ConfigError, loadConfig, mergeBudgets, type AlertConfig } from '../../live/alert-config.js';
import { evaluate, EXIT_CODES, worst, type Action, type AlertResult, type AlertRules, type Budget, type Period } from '../../live/alerts.js';
import { payloadOf, postWebhook, runExec, splitCommand } from '../../live/notify.js';
import { PendingChanges } from '../../sessions/folder-watch.js';
import { coalesce } from '../../live/coalesce.js';
import { Calendar } from '../../usage/time.js';
import { addSourceOptions, dirsOf, followFolders, LiveUsage, positiveNumber, timeZoneOf, UsageError, type SourceOptions } from '../common.js';

interface AlertOptions extends SourceOptions {
  dailyBudget?: number;
  weeklyBudget?: number;
  monthlyBudget?: number;
  agentBudget: NamedBudget[];
  teamBudget: NamedBudget[];
  onExceeded?: Action;
  dryRun?: boolean;
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

interface NamedBudget {
  name: string;
  limit: number;
  period: Period;
}

/** NAME=USD, for a day, or NAME=USD/week, NAME=USD/month. */
function namedAmount(v: string, prev: NamedBudget[]): NamedBudget[] {
  const m = /^(.+)=(\d+(?:\.\d+)?)(?:\/(day|week|month))?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`"${v}" is not NAME=USD (a day), NAME=USD/week or NAME=USD/month`);
  return [...prev, { name: m[1]!, limit: Number(m[2]), period: (m[3] as Period | undefined) ?? 'day' }];
}

function actionArg(v: string): Action {
  if (!(ACTIONS as readonly string[]).includes(v)) throw new InvalidArgumentError(`"${v}" is not one of ${ACTIONS.join(', ')}`);
  return v as Action;
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
    .option('--weekly-budget <usd>', "this week's spend limit", positiveNumber)
    .option('--monthly-budget <usd>', "this month's spend limit", positiveNumber)
    .option('--agent-budget <name=usd[/period]>', 'limit for one agent (container instance, or host) per day, or NAME=USD/week, NAME=USD/month (repeatable)', namedAmount, [])
    .option('--team-budget <name=usd[/period]>', 'limit for one team context per day, or per /week, /month (repeatable)', namedAmount, [])
    .option('--on-exceeded <action>', 'with --watch, what to do to the budget\'s agent containers when it is exceeded: pause (docker pause; resumed at the next period), stop, or none (the default)', actionArg)
    .option('--dry-run', 'say what --on-exceeded would do, and do nothing')
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
  const base: AlertRules = file?.rules ?? { budgets: [], warnAt: 80 };
  const action = opts.onExceeded ?? 'none';
  const fromFlags: Budget[] = [];
  for (const [limit, period] of [[opts.dailyBudget, 'day'], [opts.weeklyBudget, 'week'], [opts.monthlyBudget, 'month']] as const)
    if (limit !== undefined) fromFlags.push({ scope: 'global', name: null, period, limit, action });
  for (const b of opts.agentBudget) fromFlags.push({ scope: 'agent', ...b, action });
  for (const b of opts.teamBudget) fromFlags.push({ scope: 'team', ...b, action });
  // --on-exceeded also arms the file's budgets that name no action of their own.
  const fileBudgets = opts.onExceeded ? base.budgets.map((b) => (b.action === 'none' ? { ...b, action } : b)) : base.budgets;
  const rules: AlertRules = {
    budgets: mergeBudgets(fileBudgets, fromFlags),
    burnRate: opts.burnRate ?? base.burnRate,
    blockTokenLimit: opts.blockTokenLimit ?? base.blockTokenLimit,
    warnAt: opts.warnAt ?? base.warnAt,
  };
  const any = rules.budgets.length > 0 || rules.burnRate !== undefined || rules.blockTokenLimit !== undefined;
  if (!any) throw new UsageError('no alert rules: give --daily-budget, --weekly-budget, --monthly-budget, --agent-budget, --team-budget, --burn-rate or --block-token-limit, or a config file (--config)');
  return { rules, exec: opts.exec ?? file?.exec, webhooks: [...(file?.webhooks ?? []), ...opts.webhook] };
}

async function check(opts: AlertOptions, source: LiveUsage, pending: PendingChanges, rules: AlertRules, calendar: Calendar): Promise<{ results: AlertResult[]; now: number }> {
  const now = opts.now ?? Date.now();
  const { walk, paths } = pending.take();
  const { totals } = await source.round(walk, paths);
  return { results: evaluate(rules, totals, calendar, now), now };
}

function describeAction(a: NonNullable<AlertResult['action']>): string {
  return `${a.dryRun ? 'would ' : ''}${a.kind} ${a.containers.map((i) => `ccbox-${i}`).join(', ')}`;
}

function print(results: AlertResult[], json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ status: worst(results), results }, null, 2) + '\n');
  else for (const r of results) process.stdout.write(`[${r.level.toUpperCase()}] ${r.message}${r.action ? ` (${describeAction(r.action)})` : ''}\n`);
}

/**
 * Budgets that act: the guard's plan (live/guard.ts) carried out on the engine (agents/guard-steps.ts)
 * under the guard state's lock; each rule's result says what was done. With --dry-run nothing is
 * touched and nothing recorded, and each would-be step is said once.
 */
class Guard {
  private readonly said = new Set<string>();

  constructor(
    private readonly dryRun: boolean,
    private readonly log: (s: string) => void,
  ) {}

  run(results: AlertResult[], now: number): void {
    let steps: GuardStep[];
    try {
      const containers = guardContainers;
      if (this.dryRun) steps = planGuard(results, peekStateFile(defaultGuardPath(), isGuardDoc) ?? emptyGuardDoc(), containers, now).steps;
      else
        steps = updateGuardDoc(defaultGuardPath(), (s) => this.log(`guard: ${s}`), (doc) => {
          const plan = planGuard(results, doc, containers, now);
          const done = plan.steps.map((st) => ({ ...st, instances: applyStep(st, this.log) }));
          return { doc: plan.doc, result: done };
        });
    } catch (err) {
      if (err instanceof EngineError) {
        this.log(`guard: ${err.message}; budgets are checked, but no container can be paused or resumed until the engine answers`);
        return;
      }
      throw err;
    }
    for (const st of steps) {
      if (st.instances.length === 0) continue;
      const line = `guard: ${this.dryRun ? 'would ' : ''}${st.kind} ${st.instances.map((i) => `ccbox-${i}`).join(', ')}: ${st.why}`;
      if (this.dryRun && this.said.has(line)) continue;
      this.said.add(line);
      this.log(line);
      const r = results.find((x) => x.rule === st.rule && x.period === st.period);
      if (r && (st.kind === 'pause' || st.kind === 'stop')) r.action = { kind: st.kind, containers: st.instances, dryRun: this.dryRun };
    }
  }
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
  const log = (s: string) => process.stderr.write(s + '\n');
  const statePath = opts.state ?? defaultStatePath();
  const armed = cfg.rules.budgets.some((b) => b.action !== 'none');
  try {
    if (opts.watch || execArgv || cfg.webhooks.length) checkWritable(statePath);
    if (armed && !opts.dryRun) checkWritable(defaultGuardPath());
  } catch (err) {
    if (err instanceof StateFileError) throw new UsageError(err.message);
    throw err;
  }
  const state = new AlertState(statePath, (s) => log(`alert: ${s}`));
  const guard = armed ? new Guard(Boolean(opts.dryRun), log) : null;
  let retryTimer: NodeJS.Timeout | null = null;
  const notify = async (results: AlertResult[], now: number) => {
    for (const r of state.due(results)) {
      const payload = payloadOf(r, now);
      let delivered = !execArgv && cfg.webhooks.length === 0;
      if (execArgv) delivered = (await runExec(execArgv, payload, log)) || delivered;
      for (const u of cfg.webhooks) delivered = (await postWebhook(u, payload, log)) || delivered;
      if (!execArgv && cfg.webhooks.length === 0 && opts.watch) log(`[${r.level.toUpperCase()}] ${r.message}${r.action ? ` (${describeAction(r.action)})` : ''}`);
      if (delivered) state.record(r);
      else {
        state.failed(r);
        log(`alert: ${r.rule} (${r.level}) was not delivered on any channel; it is tried again later`);
      }
    }
  };

  const calendar = new Calendar(tz);
  const source = new LiveUsage(opts, calendar, Boolean(opts.watch));
  // Each round updates the last one's rows from what changed: a walk only when files may have come or gone.
  const pending = new PendingChanges();
  if (!opts.watch) {
    const { results, now } = await check(opts, source, pending, cfg.rules, calendar);
    guard?.run(results, now);
    print(results, Boolean(opts.json));
    if (execArgv || cfg.webhooks.length) await notify(results, now);
    process.exitCode = EXIT_CODES[worst(results)];
    return;
  }

  const round = coalesce(
    async () => {
      const { results, now } = await check(opts, source, pending, cfg.rules, calendar);
      guard?.run(results, now);
      await notify(results, now);
      // A delivery that failed is tried again when its pause is over, writes or not.
      const next = state.nextRetry();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = next === null ? null : setTimeout(() => void round(), Math.max(0, next - Date.now()) + 50);
    },
    (err) => log(`alert: evaluation failed: ${(err as Error).message}`),
  );
  await round();
  const clock = setInterval(() => void round(), 60_000); // a new day or block starts without any write
  log(`ccost alert: watching ${dirsOf(opts).join(', ')} (Ctrl-C stops)`);
  await followFolders(dirsOf(opts), pending, round, () => source.folders());
  clearInterval(clock);
  if (retryTimer) clearTimeout(retryTimer);
}
