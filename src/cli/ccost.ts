#!/usr/bin/env node
/**
 * ccost: the cost monitor. Thin: parse arguments, load usage, build a report, print it.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { dataDirs } from '../sessions/discover.js';
import { costRows, unpricedModels } from '../usage/aggregate.js';
import { LedgerError, LedgerStore } from '../ledger/store.js';
import { viewFromFiles, viewFromLedger, type UsageView } from '../ledger/view.js';
import { embeddedPricing } from '../usage/prices-file.js';
import { Calendar, parseDateArg, systemTimeZone, validateTimeZone, InvalidTimeZoneError, type Weekday } from '../usage/time.js';
import { buildReport, REPORT_KINDS, type ReportKind } from '../reports/build.js';
import { reportJson } from '../reports/json.js';
import type { CostMode, FileWarnings } from '../usage/types.js';

interface ReportOptions {
  dir: string[];
  json?: boolean;
  csv?: boolean;
  since?: string;
  until?: string;
  timezone?: string;
  breakdown?: boolean;
  project?: string;
  agent?: string;
  order?: 'asc' | 'desc';
  offline?: boolean;
  mode: CostMode;
  verbose?: boolean;
  startOfWeek: string;
  ledger: string | boolean;
}

/** `--ledger`, else $CCORC_LEDGER, else $XDG_CACHE_HOME/ccorc/ledger.db (~/.cache/ccorc/ledger.db). */
export function defaultLedgerPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CCORC_LEDGER) return env.CCORC_LEDGER;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ccorc', 'ledger.db');
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function dateArg(v: string): string {
  const d = parseDateArg(v);
  if (!d) throw new InvalidArgumentError(`"${v}" is not a date; use YYYY-MM-DD or YYYYMMDD`);
  return d;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

class UsageError extends Error {}

const DESCRIPTIONS: Record<ReportKind, string> = {
  daily: 'cost and tokens per day (the default command)',
  weekly: 'cost and tokens per week',
  monthly: 'cost and tokens per month',
  session: 'cost and tokens per session (subagents folded into their session)',
  project: 'cost and tokens per project (working directory)',
  agent: 'cost and tokens per agent: container instance, or "host" for the host\'s own sessions',
  model: 'cost and tokens per model',
};

function addReportOptions(cmd: Command): Command {
  return cmd
    .option('-d, --dir <path>', 'Claude data folder holding projects/ (repeatable; default: $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude)', collect, [])
    .option('-j, --json', 'print JSON (ccusage-compatible arrays and totals, plus warnings and unpricedModels)')
    .option('--csv', 'print CSV')
    .option('-s, --since <date>', 'first day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg)
    .option('-u, --until <date>', 'last day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg)
    .option('-z, --timezone <tz>', 'IANA time zone for days, weeks and months (default: the system\'s)')
    .option('-b, --breakdown', 'show per-model rows')
    .option('-p, --project <name>', 'only this project (encoded folder name or real path)')
    .option('-a, --agent <instance>', 'only this agent (container instance, or "host")')
    .addOption(new Option('-o, --order <order>', 'row order').choices(['asc', 'desc']))
    .addOption(new Option('-m, --mode <mode>', 'cost mode: auto (recorded cost if present, else calculated), calculate, display').choices(['auto', 'calculate', 'display']).default('auto'))
    .addOption(new Option('--start-of-week <day>', 'first day of a week for the weekly report').choices(WEEKDAYS).default('monday'))
    .option('-O, --offline', 'accepted for ccusage compatibility: prices are always embedded')
    .option('-v, --verbose', 'list every file with skipped lines or read errors')
    .option('--ledger <path>', 'the ledger (SQLite) that keeps counted usage and checkpoints (default: $CCORC_LEDGER, else ~/.cache/ccorc/ledger.db)')
    .option('--no-ledger', 'read the session files alone; write nothing');
}

async function runReport(kind: ReportKind, opts: ReportOptions): Promise<void> {
  if (opts.json && opts.csv) throw new UsageError('choose one of --json and --csv');
  if (opts.since && opts.until && opts.since > opts.until) throw new UsageError(`--since ${opts.since} is after --until ${opts.until}`);
  let tz: string;
  try {
    tz = validateTimeZone(opts.timezone ?? systemTimeZone());
  } catch (err) {
    if (err instanceof InvalidTimeZoneError) throw new UsageError(err.message);
    throw err;
  }
  const { dirs } = dataDirs({ dirs: opts.dir });
  const view = await loadView(dirs, opts.ledger);
  const report = buildReport({
    kind,
    rows: costRows(view.rows, view.files, opts.mode),
    unpricedModels: unpricedModels(view.rows, opts.mode),
    warnings: view.warnings,
    calendar: new Calendar(tz, WEEKDAYS.indexOf(opts.startOfWeek) as Weekday),
    filters: { since: opts.since, until: opts.until, project: opts.project, agent: opts.agent },
    order: opts.order,
  });
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ...reportJson(report), ledger: view.ledger }, null, 2) + '\n');
  } else if (opts.csv) {
    const { renderCsv } = await import('../reports/csv.js');
    process.stdout.write(renderCsv(report, Boolean(opts.breakdown)));
  } else {
    if (view.files.length === 0) {
      process.stderr.write(`No session files found in: ${dirs.join(', ')}\n`);
    }
    // Loaded only here: the table library costs more start-up time than a warm JSON report.
    const { renderTable } = await import('../reports/table.js');
    const tty = Boolean(process.stdout.isTTY);
    process.stdout.write(renderTable(report, { width: tty ? process.stdout.columns || 80 : 80, color: tty && !process.env.NO_COLOR, breakdown: Boolean(opts.breakdown) }) + '\n');
  }
  reportWarnings(view.warnings, Boolean(opts.verbose));
  if (view.ledger && view.ledger.filesGone > 0 && !opts.json && !opts.csv)
    process.stderr.write(`note: ${view.ledger.eventsFromGoneFiles} counted response(s) come from ${view.ledger.filesGone} file(s) no longer on disk (kept in the ledger)\n`);
}

async function loadView(dirs: string[], ledger: string | boolean): Promise<UsageView> {
  const pricing = embeddedPricing();
  if (ledger === false) return viewFromFiles(dirs, pricing);
  const path = typeof ledger === "string" ? ledger : defaultLedgerPath();
  let opened;
  try {
    opened = LedgerStore.open(path);
  } catch (err) {
    if (err instanceof LedgerError) throw new UsageError(err.message);
    throw new UsageError(`cannot open the ledger ${path}: ${(err as Error).message} (use --ledger PATH or --no-ledger)`);
  }
  if (opened.notice) process.stderr.write(`note: ${opened.notice}\n`);
  try {
    return await viewFromLedger(opened.store, dirs, pricing);
  } finally {
    opened.store.close();
  }
}

function reportWarnings(warnings: FileWarnings[], verbose: boolean): void {
  if (warnings.length === 0) return;
  if (verbose) {
    for (const w of warnings) {
      const parts: string[] = [];
      if (w.error) parts.push(w.error);
      if (w.malformed) parts.push(`${w.malformed} malformed line(s)`);
      if (w.invalid) parts.push(`${w.invalid} invalid usage record(s)`);
      if (w.partialTail) parts.push('unfinished last line (not counted yet)');
      process.stderr.write(`warning: ${w.path}: ${parts.join(', ')}\n`);
    }
    return;
  }
  const skipped = warnings.reduce((n, w) => n + w.malformed + w.invalid, 0);
  const unreadable = warnings.filter((w) => w.error).length;
  const bits = [];
  if (skipped) bits.push(`${skipped} line(s) skipped`);
  if (unreadable) bits.push(`${unreadable} path(s) unreadable`);
  if (bits.length) process.stderr.write(`note: ${bits.join(', ')} (run with --verbose for details)\n`);
}

export function buildProgram(): Command {
  const program = new Command('ccost')
    .description('Claude Code cost monitor: reports spend per day, session, project, agent (container) and model')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (s, write) => write(s) })
    .exitOverride();
  for (const kind of REPORT_KINDS) {
    const cmd = program.command(kind, { isDefault: kind === 'daily' }).description(DESCRIPTIONS[kind]);
    addReportOptions(cmd).action((opts: ReportOptions) => runReport(kind, opts));
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`ccost: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
