/**
 * Readable table output. Fits the terminal (80 columns when not a terminal): numbers are written
 * in full when they fit, compactly (12.3M) when not, and the models column goes first.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { Report, ReportRow } from './build.js';
import type { TokenTotals } from '../usage/types.js';
import { formatCompact, formatCost, formatInt, shortModel } from './format.js';

export interface TableOptions {
  width: number;
  color: boolean;
  breakdown: boolean;
}

const TITLES = {
  daily: 'Date',
  weekly: 'Week',
  monthly: 'Month',
  session: 'Session',
  project: 'Project',
  agent: 'Agent',
  team: 'Team',
  model: 'Model',
  host: 'Host',
} as const;

interface Layout {
  compact: boolean;
  models: boolean;
  keyWidth: number;
}

function cells(t: TokenTotals, compact: boolean): string[] {
  const f = compact ? formatCompact : formatInt;
  return [f(t.inputTokens), f(t.outputTokens), f(t.cacheCreationTokens), f(t.cacheReadTokens), f(t.totalTokens), formatCost(t.totalCost)];
}

function shortKey(r: Report, row: ReportRow): string {
  if (r.kind === 'session') return row.key.length > 12 ? `${row.key.slice(0, 8)}…` : row.key;
  return row.key;
}

function estimateWidth(r: Report, layout: Layout): number {
  const head = [TITLES[r.kind], ...(layout.models ? ['Models'] : []), 'Input', 'Output', 'Cache Write', 'Cache Read', 'Total', 'Cost'];
  const widths = head.map((h) => h.length);
  const all = [...r.rows.map((row) => ({ key: shortKey(r, row), t: row.totals, m: row.modelsUsed })), { key: 'Total', t: r.totals, m: [] }];
  for (const x of all) {
    const line = [x.key.slice(0, layout.keyWidth), ...(layout.models ? [modelsCell(x.m)] : []), ...cells(x.t, layout.compact)];
    line.forEach((c, i) => (widths[i] = Math.max(widths[i]!, ...c.split('\n').map((s) => s.length))));
  }
  return widths.reduce((a, b) => a + b + 3, 1);
}

function modelsCell(models: string[]): string {
  return models.map(shortModel).join('\n');
}

function chooseLayout(r: Report, width: number): Layout {
  const keyWidth = r.kind === 'project' ? 36 : 40;
  const tries: Layout[] = [
    { compact: false, models: true, keyWidth },
    { compact: false, models: false, keyWidth },
    { compact: true, models: true, keyWidth },
    { compact: true, models: false, keyWidth },
    { compact: true, models: false, keyWidth: 20 },
  ];
  for (const l of tries) if (estimateWidth(r, l) <= width) return l;
  return tries[tries.length - 1]!;
}

export function renderTable(r: Report, opts: TableOptions): string {
  const c = opts.color ? pc : pc.createColors(false);
  const layout = chooseLayout(r, opts.width);
  const head = [TITLES[r.kind], ...(layout.models ? ['Models'] : []), 'Input', 'Output', 'Cache Write', 'Cache Read', 'Total', 'Cost'];
  const table = new Table({
    head: head.map((h) => c.cyan(h)),
    style: { head: [], border: [], compact: true },
    colAligns: ['left', ...(layout.models ? ['left' as const] : []), 'right', 'right', 'right', 'right', 'right', 'right'],
    wordWrap: false,
  });
  // Project folders, agents and teams differ at their end (-home-me-projects-api vs -web): keep that.
  const keepEnd = r.kind === 'project' || r.kind === 'agent' || r.kind === 'team';
  const trunc = (s: string) => (s.length <= layout.keyWidth ? s : keepEnd ? `…${s.slice(s.length - layout.keyWidth + 1)}` : `${s.slice(0, layout.keyWidth - 1)}…`);
  for (const row of r.rows) {
    table.push([trunc(shortKey(r, row)), ...(layout.models ? [modelsCell(row.modelsUsed)] : []), ...cells(row.totals, layout.compact)]);
    if (opts.breakdown && r.kind !== 'model') {
      for (const b of row.modelBreakdowns) {
        const t: TokenTotals = { ...b, totalCost: b.cost };
        table.push([c.dim(trunc(`  └ ${shortModel(b.modelName)}`)), ...(layout.models ? [''] : []), ...cells(t, layout.compact).map((s) => c.dim(s))]);
      }
    }
  }
  table.push([c.yellow('Total'), ...(layout.models ? [''] : []), ...cells(r.totals, layout.compact).map((s) => c.yellow(s))]);
  const lines = [c.bold(`${titleOf(r)} (${r.timeZone})`), table.toString()];
  if (r.unpricedModels.length > 0) lines.push(c.yellow(`No price known for: ${r.unpricedModels.join(', ')} (counted at $0)`));
  return lines.join('\n');
}

function titleOf(r: Report): string {
  const names = {
    daily: 'Claude Code cost by day',
    weekly: 'Claude Code cost by week',
    monthly: 'Claude Code cost by month',
    session: 'Claude Code cost by session',
    project: 'Claude Code cost by project',
    agent: 'Claude Code cost by agent',
    team: 'Claude Code cost by team context',
    model: 'Claude Code cost by model',
    host: 'Claude Code cost by host',
  } as const;
  return names[r.kind];
}
