/**
 * Team definitions (YAML, the original orchestrator's shape) and where they are found:
 * ./teams/<name>/team.yaml, ~/.ccorc/teams/<name>/, $CCORC_TEAMS_PATH (colon-separated) and the
 * examples bundled with the package, in that order.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export class TeamFileError extends Error {}

export interface TeamAgent {
  name: string;
  role: string;
  model: string | null;
  promptFile: string | null;
}

export interface Team {
  name: string;
  description: string;
  agents: TeamAgent[];
  settings: { defaultContextName: string | null; defaultModel: string | null; [k: string]: unknown };
  path: string;
}

export const BUNDLED_TEAMS = resolve(fileURLToPath(new URL('../../../teams', import.meta.url)));

export function teamDirs(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  return [join(cwd, 'teams'), join(env.HOME || homedir(), '.ccorc', 'teams'), ...(env.CCORC_TEAMS_PATH ?? '').split(':').filter(Boolean), BUNDLED_TEAMS];
}

export function parseTeam(text: string, path: string): Team {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new TeamFileError(`${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(doc)) throw new TeamFileError(`${path}: expected a mapping with team:, agents: and settings:`);
  const team = doc.team;
  if (!isObj(team) || typeof team.name !== 'string' || !team.name.trim()) throw new TeamFileError(`${path}: field "team.name" is required (a non-empty string)`);
  if (team.description !== undefined && typeof team.description !== 'string') throw new TeamFileError(`${path}: field "team.description" must be a string`);
  if (!Array.isArray(doc.agents) || doc.agents.length === 0) throw new TeamFileError(`${path}: field "agents" must be a non-empty list`);
  const settings = doc.settings === undefined || doc.settings === null ? {} : doc.settings;
  if (!isObj(settings)) throw new TeamFileError(`${path}: field "settings" must be a mapping`);
  const str = (v: unknown, field: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || !v.trim()) throw new TeamFileError(`${path}: field "${field}" must be a non-empty string`);
    return v;
  };
  const seen = new Set<string>();
  const agents = doc.agents.map((a, i) => {
    if (!isObj(a)) throw new TeamFileError(`${path}: field "agents[${i}]" must be a mapping with name and role`);
    const name = str(a.name, `agents[${i}].name`);
    const role = str(a.role, `agents[${i}].role`);
    if (!name) throw new TeamFileError(`${path}: field "agents[${i}].name" is required`);
    if (!role) throw new TeamFileError(`${path}: field "agents[${i}].role" is required`);
    const key = name.toLowerCase();
    if (seen.has(key)) throw new TeamFileError(`${path}: field "agents[${i}].name": "${name}" appears twice`);
    seen.add(key);
    return { name, role, model: str(a.model, `agents[${i}].model`), promptFile: str(a.prompt_file, `agents[${i}].prompt_file`) };
  });
  return {
    name: team.name,
    description: (team.description as string | undefined) ?? '',
    agents,
    settings: { ...settings, defaultContextName: str(settings.default_context_name, 'settings.default_context_name'), defaultModel: str(settings.default_model, 'settings.default_model') },
    path,
  };
}

function teamFileIn(dir: string, name: string): string | null {
  for (const f of [join(dir, name, 'team.yaml'), join(dir, name, 'team.yml'), join(dir, `${name}.yaml`)]) if (existsSync(f)) return f;
  return null;
}

export function findTeam(name: string, dirs = teamDirs()): Team {
  for (const d of dirs) {
    const f = teamFileIn(d, name);
    if (f) return parseTeam(readFileSync(f, 'utf8'), f);
  }
  throw new TeamFileError(`no team named "${name}" in ${dirs.join(', ')} (ccorc teams list shows them)`);
}

/** Every team found, the first of each name winning (the search order above). */
export function listTeams(dirs = teamDirs()): { teams: Team[]; errors: string[] } {
  const teams = new Map<string, Team>();
  const errors: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const f = teamFileIn(d, n.replace(/\.ya?ml$/, ''));
      if (!f) continue;
      try {
        const t = parseTeam(readFileSync(f, 'utf8'), f);
        if (!teams.has(t.name)) teams.set(t.name, t);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }
  return { teams: [...teams.values()], errors };
}

/** The original tool's instance naming: `<context>-<agent lowercased, spaces → ->`. */
export function agentInstance(context: string, agent: string): string {
  return `${context}-${agent.toLowerCase().replace(/\s+/g, '-')}`;
}
