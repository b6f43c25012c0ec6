/**
 * JSON output: the arrays and `totals` object ccusage users know (`daily`, `weekly`, `monthly`,
 * `sessions`), `rows` for our own reports, and our additions beside them.
 */
import type { Report, ReportRow } from './build.js';

const ARRAY_NAME = {
  daily: 'daily',
  weekly: 'weekly',
  monthly: 'monthly',
  session: 'sessions',
  project: 'rows',
  agent: 'rows',
  team: 'rows',
  model: 'rows',
  host: 'rows',
} as const;

const KEY_NAME = {
  daily: 'date',
  weekly: 'week',
  monthly: 'month',
  session: 'sessionId',
  project: 'project',
  agent: 'agent',
  team: 'team',
  model: 'model',
  host: 'host',
} as const;

export function reportJson(r: Report): Record<string, unknown> {
  return {
    [ARRAY_NAME[r.kind]]: r.rows.map((row) => rowJson(r, row)),
    totals: r.totals,
    unpricedModels: r.unpricedModels,
    warnings: r.warnings,
    timezone: r.timeZone,
  };
}

function rowJson(r: Report, row: ReportRow): Record<string, unknown> {
  const g = row.group;
  const out: Record<string, unknown> = { [KEY_NAME[r.kind]]: row.key, ...row.totals };
  if (r.kind !== 'model') {
    out.modelsUsed = row.modelsUsed;
    out.modelBreakdowns = row.modelBreakdowns;
  }
  const file = g.file;
  switch (r.kind) {
    case 'session':
      out.project = file.project;
      out.projectPath = row.projectPaths[0] ?? null;
      out.agent = row.agents[0] ?? null;
      out.team = file.team;
      out.firstActivity = new Date(g.firstTimestamp).toISOString();
      out.lastActivity = new Date(g.lastTimestamp).toISOString();
      out.subagentTokens = g.subagent.totalTokens;
      out.subagentCost = g.subagent.cost.usd();
      break;
    case 'project':
      out.projectPaths = row.projectPaths;
      out.agents = row.agents;
      out.sessions = g.sessions.size;
      break;
    case 'agent':
      out.instance = file.instance;
      out.mode = file.mode;
      out.team = file.team;
      out.role = file.role;
      out.agentName = file.agent;
      out.container = file.container;
      out.projects = row.projects;
      out.sessions = g.sessions.size;
      out.lastActivity = new Date(g.lastTimestamp).toISOString();
      break;
    case 'model':
      out.agents = row.agents;
      break;
    case 'host':
      out.agents = row.agents;
      out.projects = row.projects;
      out.sessions = g.sessions.size;
      out.lastActivity = new Date(g.lastTimestamp).toISOString();
      break;
    case 'team':
      out.agents = row.agents;
      out.projects = row.projects;
      out.sessions = g.sessions.size;
      break;
    default:
      out.agents = row.agents;
      out.projects = row.projects;
  }
  return out;
}
