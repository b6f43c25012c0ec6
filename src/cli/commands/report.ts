/**
 * The tabular reports: daily, weekly, monthly, session, project, agent, model.
 */
import { Command, Option } from 'commander';
import { costRows, unpricedModels, type CostedRow } from '../../usage/aggregate.js';
import type { CostMode } from '../../usage/types.js';
import type { UsageView } from '../../ledger/view.js';
import { activePrices } from '../../usage/prices-file.js';
import { Calendar, type Weekday } from '../../usage/time.js';
import { buildReport, rowNeeds, type ReportKind } from '../../reports/build.js';
import { reportJson } from '../../reports/json.js';
import { addSourceOptions, dateArg, dirsOf, loadReportRows, addFleetOptions, type FleetOptions, rememberOutput, warningsText, timeZoneOf, UsageError, type SourceOptions } from '../common.js';

interface ReportOptions extends SourceOptions, FleetOptions {
  json?: boolean;
  csv?: boolean;
  since?: string;
  until?: string;
  breakdown?: boolean;
  order?: 'asc' | 'desc';
  startOfWeek: string;
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

export const DESCRIPTIONS: Record<ReportKind, string> = {
  daily: 'cost and tokens per day (the default command)',
  weekly: 'cost and tokens per week',
  monthly: 'cost and tokens per month',
  session: 'cost and tokens per session (subagents folded into their session)',
  project: 'cost and tokens per project (working directory)',
  agent: 'cost and tokens per agent: container instance, or "host" for the host\'s own sessions',
  team: 'cost and tokens per team context (from the containers\' metadata; "(no team)" for the rest)',
  model: 'cost and tokens per model',
  host: 'cost and tokens per host (this machine, or every host that synced with --from)',
};

export function reportCommand(program: Command, kind: ReportKind): void {
  const cmd = program.command(kind, { isDefault: kind === 'daily' }).description(DESCRIPTIONS[kind]);
  addSourceOptions(cmd)
    .option('-j, --json', 'print JSON (ccusage-compatible arrays and totals, plus warnings and unpricedModels)')
    .option('--csv', 'print CSV')
    .option('-s, --since <date>', 'first day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg)
    .option('-u, --until <date>', 'last day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg)
    .option('-b, --breakdown', 'show per-model rows')
    .addOption(new Option('-o, --order <order>', 'row order').choices(['asc', 'desc']))
    .addOption(new Option('--start-of-week <day>', 'first day of a week for the weekly report').choices(WEEKDAYS).default('monday'));
  addFleetOptions(cmd).action((opts: ReportOptions) => runReport(kind, opts));
}

async function runReport(kind: ReportKind, opts: ReportOptions): Promise<void> {
  if (opts.json && opts.csv) throw new UsageError('choose one of --json and --csv');
  if (opts.since && opts.until && opts.since > opts.until) throw new UsageError(`--since ${opts.since} is after --until ${opts.until}`);
  const tz = timeZoneOf(opts);
  const calendar = new Calendar(tz, WEEKDAYS.indexOf(opts.startOfWeek) as Weekday);
  const filters = { since: opts.since, until: opts.until, project: opts.project, agent: opts.agent, host: opts.host };
  const { view, rows, fleet } = await loadReportRows(opts, { needs: rowNeeds(kind, filters), calendar, since: opts.since, until: opts.until });
  const report = buildReport({ kind, rows, unpricedModels: unpricedModels(view.rows, opts.mode), warnings: view.warnings, calendar, filters, order: opts.order });
  let out: string;
  let err = '';
  if (opts.json) {
    // A fleet's costs are as each host priced them (ccost fleet status names hosts on another table).
    out = JSON.stringify({ ...reportJson(report), ...(fleet ? { fleet } : { ledger: view.ledger, prices: activePrices().source }) }, null, 2) + '\n';
  } else if (opts.csv) {
    const { renderCsv } = await import('../../reports/csv.js');
    out = renderCsv(report, Boolean(opts.breakdown));
  } else {
    if (fleet ? fleet.hosts.length === 0 : view.files.length === 0) err += fleet ? 'No host has synced any usage to this fleet database yet (ccost sync --to URL)\n' : `No session files found in: ${dirsOf(opts).join(', ')}\n`;
    // Loaded only here: the table library costs more start-up time than a warm JSON report.
    const { renderTable } = await import('../../reports/table.js');
    const tty = Boolean(process.stdout.isTTY);
    out = renderTable(report, { width: tty ? process.stdout.columns || 80 : 80, color: tty && !process.env.NO_COLOR, breakdown: Boolean(opts.breakdown) }) + '\n';
  }
  err += warningsText(view.warnings, Boolean(opts.verbose));
  const prices = activePrices().source;
  if (!fleet && prices.overrides && !opts.json) err += `note: prices of ${prices.overriddenModels.join(', ')} from ${prices.overrides}, the rest from the shipped table\n`;
  if (view.ledger && view.ledger.filesGone > 0 && !opts.json && !opts.csv)
    err += `note: ${view.ledger.eventsFromGoneFiles} counted response(s) come from ${view.ledger.filesGone} file(s) no longer on disk (kept in the ledger)\n`;
  process.stdout.write(out);
  if (err) process.stderr.write(err);
  // A fleet report depends on other hosts: never replayed from this host's ledger.
  if (!fleet) rememberOutput(opts.ledger, view, out, err);
}
