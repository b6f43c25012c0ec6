/**
 * ccost efficiency: per agent, team, model or project, where the money goes (cost by token kind,
 * cache hit ratio, output per dollar, requests above 200k, subagents) and findings with the dollars
 * at stake. It reads the deduplicated responses from the session files (the report needs each
 * response's token kinds, which the ledger's quarter-hour rows do not keep apart).
 */
import { Command, Option } from 'commander';
import { loadUsage } from '../../sessions/load.js';
import { agentOf } from '../../usage/aggregate.js';
import { efficiency, EFFICIENCY_BY, type Efficiency, type EfficiencyBy } from '../../usage/efficiency.js';
import { activePricing } from '../../usage/prices-file.js';
import { Calendar } from '../../usage/time.js';
import type { FileOrigin } from '../../usage/types.js';
import { matchesProject } from '../../reports/build.js';
import { renderEfficiency } from '../../reports/efficiency-text.js';
import { dateArg, dirsOf, timeZoneOf, UsageError, warningsText, type SourceOptions } from '../common.js';

export interface EfficiencyOptions {
  dir: string[];
  timezone?: string;
  since?: string;
  until?: string;
  project?: string;
  agent?: string;
  verbose?: boolean;
}

/** The efficiency of what the options select, and of the files `keep` accepts (all by default). */
export async function efficiencyOf(opts: EfficiencyOptions, by: EfficiencyBy, keep: (f: FileOrigin) => boolean = () => true): Promise<{ report: Efficiency; warnings: string }> {
  if (opts.since && opts.until && opts.since > opts.until) throw new UsageError(`--since ${opts.since} is after --until ${opts.until}`);
  const calendar = new Calendar(timeZoneOf(opts as SourceOptions));
  const loaded = await loadUsage(dirsOf(opts as SourceOptions));
  const events = loaded.events.filter((e) => {
    const f = loaded.files[e.fileIndex]!;
    if (!keep(f)) return false;
    if (opts.since || opts.until) {
      const day = calendar.day(e.timestamp);
      if ((opts.since && day < opts.since) || (opts.until && day > opts.until)) return false;
    }
    if (opts.project && !matchesProject(f, e.cwd, opts.project)) return false;
    return !opts.agent || agentOf(f) === opts.agent;
  });
  return { report: efficiency(events, loaded.files, activePricing(), by), warnings: warningsText(loaded.warnings, Boolean(opts.verbose)) };
}

export function efficiencyCommand(program: Command): void {
  program
    .command('efficiency')
    .description('where the money goes per agent, team, model or project: cost by token kind, cache hits, output per dollar, requests above 200k, subagents; and findings with the dollars at stake')
    .addOption(new Option('--by <group>', 'group by').choices(EFFICIENCY_BY).default('agent'))
    .option('-d, --dir <path>', 'Claude data folder holding projects/ (repeatable; default: $CLAUDE_CONFIG_DIR, else ~/.config/claude and ~/.claude)', (v: string, p: string[]) => [...p, v], [])
    .option('-z, --timezone <tz>', "IANA time zone for --since and --until (default: the system's)")
    .option('-s, --since <date>', 'first day (YYYY-MM-DD or YYYYMMDD)', dateArg)
    .option('-u, --until <date>', 'last day', dateArg)
    .option('-p, --project <name>', 'only this project')
    .option('-a, --agent <instance>', 'only this agent')
    .option('-j, --json', 'print JSON')
    .option('--verbose', 'every file with skipped lines')
    .option('--prices <file>', 'price overrides over the shipped table (default: ~/.config/ccorc/prices.json, if it exists)')
    .action(async (o: EfficiencyOptions & { by: EfficiencyBy; json?: boolean }) => {
      const { report, warnings } = await efficiencyOf(o, o.by);
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderEfficiency(report) + '\n');
      if (warnings) process.stderr.write(warnings);
    });
}
