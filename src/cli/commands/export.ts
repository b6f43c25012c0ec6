/**
 * ccost export --events: every counted response as one row (CSV or JSON), for accounting and for
 * the user's own tools; the rows' costs add up to the reports' totals.
 */
import type { Command } from 'commander';
import { once } from 'node:events';
import { filterTest } from '../../reports/build.js';
import { csvLines, exportRows, jsonLines } from '../../reports/export-events.js';
import { activePricing } from '../../usage/prices-file.js';
import { Calendar } from '../../usage/time.js';
import { addSourceOptions, dateArg, dirsOf, loadCounted, timeZoneOf, UsageError, warningsText, type SourceOptions } from '../common.js';

interface ExportOptions extends SourceOptions {
  events?: boolean;
  csv?: boolean;
  json?: boolean;
  since?: string;
  until?: string;
}

export function exportCommand(program: Command): void {
  const cmd = program
    .command('export')
    .description('every counted response as one row (time, host, agent, team, project, session, model, the token kinds, cost): CSV by default, or JSON; the costs add up to the reports\' totals')
    .option('--events', 'one row per counted response (what there is to export)')
    .option('--csv', 'print CSV (the default)')
    .option('-j, --json', 'print JSON: {"events": [...]}')
    .option('-s, --since <date>', 'first day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg)
    .option('-u, --until <date>', 'last day to include (YYYY-MM-DD or YYYYMMDD, in --timezone)', dateArg);
  addSourceOptions(cmd).action((opts: ExportOptions) => runExport(opts));
}

async function runExport(opts: ExportOptions): Promise<void> {
  if (!opts.events) throw new UsageError('say what to export: --events (one row per counted response)');
  if (opts.json && opts.csv) throw new UsageError('choose one of --json and --csv');
  if (opts.since && opts.until && opts.since > opts.until) throw new UsageError(`--since ${opts.since} is after --until ${opts.until}`);
  const calendar = new Calendar(timeZoneOf(opts));
  const { responses, warnings } = await loadCounted(dirsOf(opts), opts.ledger);
  const rows = exportRows(responses, opts.mode, activePricing(), filterTest(calendar, { since: opts.since, until: opts.until, project: opts.project, agent: opts.agent }));
  for (const piece of opts.json ? jsonLines(rows) : csvLines(rows)) if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
  const text = warningsText(warnings, Boolean(opts.verbose));
  if (text) process.stderr.write(text);
}
