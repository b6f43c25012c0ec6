/**
 * Report definitions: which events, grouped by what, in which order. Pure: takes priced events,
 * returns rows for the renderers.
 */
import { agentOf, BUCKET_MS, groupBy, sumTotals, totalsOf, type CostedRow, type Group } from '../usage/aggregate.js';
import type { Calendar } from '../usage/time.js';
import type { FileOrigin, FileWarnings, TokenTotals } from '../usage/types.js';
import { encodeCwd } from '../sessions/attribution.js';

export const REPORT_KINDS = ['daily', 'weekly', 'monthly', 'session', 'project', 'agent', 'team', 'model', 'host'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportFilters {
  /** Inclusive local dates `YYYY-MM-DD`. */
  since?: string;
  until?: string;
  project?: string;
  agent?: string;
  /** A team context (`(no team)`: files of none), a model, a host (the server's API filters by these too). */
  team?: string;
  model?: string;
  host?: string;
}

export interface ModelBreakdown extends Omit<TokenTotals, 'totalCost'> {
  modelName: string;
  cost: number;
}

export interface ReportRow {
  key: string;
  totals: TokenTotals;
  modelsUsed: string[];
  modelBreakdowns: ModelBreakdown[];
  agents: string[];
  projects: string[];
  projectPaths: string[];
  group: Group;
}

export interface Report {
  kind: ReportKind;
  rows: ReportRow[];
  totals: TokenTotals;
  unpricedModels: string[];
  warnings: FileWarnings[];
  timeZone: string;
}

export interface BuildInput {
  kind: ReportKind;
  rows: readonly CostedRow[];
  unpricedModels: string[];
  warnings: FileWarnings[];
  calendar: Calendar;
  filters: ReportFilters;
  order?: 'asc' | 'desc';
}

/** `--project` matches the encoded folder name, the real path, or a path encoded the way Claude Code does. */
export function matchesProject(f: FileOrigin, cwd: string | null, want: string): boolean {
  return f.project === want || f.projectDir === want || cwd === want || f.project === encodeCwd(want);
}

const instantOf = (c: CostedRow) => c.row.bucket * BUCKET_MS;

/**
 * The filters as one test of a response, or of a row of responses (which share all four): its quarter
 * hour, model, working folder and file. Null when nothing is filtered.
 */
export type FilterTest = (bucket: number, model: string, cwd: string | null, file: FileOrigin) => boolean;

export function filterTest(calendar: Calendar, f: ReportFilters): FilterTest | null {
  if (!f.since && !f.until && !f.project && !f.agent && !f.team && !f.model && !f.host) return null;
  const [first, last] = calendar.quarters(f.since, f.until);
  return (bucket, model, cwd, file) => {
    if (bucket < first || bucket > last) return false;
    if (f.project && !matchesProject(file, cwd, f.project)) return false;
    if (f.agent && agentOf(file) !== f.agent) return false;
    if (f.team && (file.team ?? NO_TEAM) !== f.team) return false;
    if (f.model && model !== f.model) return false;
    return !f.host || file.host === f.host;
  };
}

export function filterRows(rows: readonly CostedRow[], calendar: Calendar, f: ReportFilters): readonly CostedRow[] {
  const test = filterTest(calendar, f);
  return test ? rows.filter((p) => test(p.row.bucket, p.row.model, p.row.cwd, p.file)) : rows;
}

/** The key of a file of no team context in team reports and filters. */
export const NO_TEAM = '(no team)';

/** What a report groups rows by. */
export function keyFor(kind: ReportKind, calendar: Calendar): (c: CostedRow) => string {
  switch (kind) {
    case 'daily':
      return (c) => calendar.day(instantOf(c));
    case 'weekly':
      return (c) => calendar.week(instantOf(c));
    case 'monthly':
      return (c) => calendar.month(instantOf(c));
    case 'session':
      return (c) => c.row.session;
    case 'project':
      return (c) => c.file.project;
    case 'agent':
      return (c) => agentOf(c.file);
    case 'team':
      return (c) => c.file.team ?? NO_TEAM;
    case 'model':
      return (c) => c.row.model;
    case 'host':
      return (c) => c.file.host;
  }
}

const TIME_KINDS = new Set<ReportKind>(['daily', 'weekly', 'monthly']);

/**
 * What a report (with these filters) reads of a row besides its file, model and sums: rows that
 * differ only in what it does not read may be summed first (a fleet database does it, so that
 * fewer rows cross the network). `time`: the local day (daily, weekly, monthly) or nothing (the
 * date filter is then the caller's to apply, by the quarters of `calendar.quarters`).
 */
export interface RowNeeds {
  time: 'day' | 'none';
  session: boolean;
  cwd: boolean;
  subagent: boolean;
}

export function rowNeeds(kind: ReportKind, filters: ReportFilters): RowNeeds {
  return {
    time: TIME_KINDS.has(kind) ? 'day' : 'none',
    // Session counts (rowJson) and the session report's key.
    session: kind === 'session' || kind === 'project' || kind === 'agent' || kind === 'team' || kind === 'host',
    // projectPaths, and --project, which also matches the working folder.
    cwd: kind === 'session' || kind === 'project' || filters.project !== undefined,
    subagent: kind === 'session',
  };
}

export function buildReport(input: BuildInput): Report {
  const selected = filterRows(input.rows, input.calendar, input.filters);
  let groups = groupBy(selected, keyFor(input.kind, input.calendar));
  if (input.kind === 'model') groups = groups.filter((g) => g.models.size > 0); // <synthetic> stays out of model lists
  const rows = groups.map(toRow);
  // Sorted by the rounded cost: exact, since the rounding is the same for every order of the rows.
  const dir = (input.order ?? (TIME_KINDS.has(input.kind) || input.kind === 'session' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  if (TIME_KINDS.has(input.kind)) rows.sort((a, b) => dir * a.key.localeCompare(b.key));
  else if (input.kind === 'session') rows.sort((a, b) => dir * (a.group.lastTimestamp - b.group.lastTimestamp) || a.key.localeCompare(b.key));
  else rows.sort((a, b) => dir * (a.totals.totalCost - b.totals.totalCost) || a.key.localeCompare(b.key));
  return {
    kind: input.kind,
    rows,
    totals: totalsOf(sumTotals(selected)),
    // Only models that this report's rows use: a note about a model outside --since/--agent misleads.
    unpricedModels: input.unpricedModels.filter((m) => selected.some((c) => c.row.model === m)),
    warnings: input.warnings,
    timeZone: input.calendar.timeZone,
  };
}

function toRow(g: Group): ReportRow {
  const breakdowns = [...g.models.entries()]
    .map(([modelName, tally]) => {
      const { totalCost, ...tokens } = totalsOf(tally);
      return { modelName, ...tokens, cost: totalCost };
    })
    .sort((a, b) => b.cost - a.cost || a.modelName.localeCompare(b.modelName));
  return {
    key: g.key,
    totals: totalsOf(g.totals),
    modelsUsed: [...g.models.keys()].sort(),
    modelBreakdowns: breakdowns,
    agents: [...g.agents].sort(),
    projects: [...g.projects].sort(),
    projectPaths: [...g.cwds].sort(),
    group: g,
  };
}
