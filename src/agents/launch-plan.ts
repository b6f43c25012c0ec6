/**
 * What `ccorc launch` will do, decided before anything is done. Pure: given the team, the registry
 * and the containers that exist, it says which containers to create, which to remove first, and
 * what is refused. A launch never removes a container that is not its own context's unless told
 * (--force), and never one that is not labelled as ours at all; names that collide inside the team,
 * with another context or with an existing container are refused before anything starts.
 */
import { instanceNameProblem } from '../sessions/attribution.js';
import type { Registry } from '../teams/registry.js';
import { agentInstance, type Team } from '../teams/team-file.js';
import { instanceOf } from '../teams/costs.js';

/** A container that exists under a name the launch wants. */
export interface ExistingContainer {
  /** Labelled as a ccbox container. */
  ours: boolean;
  /** Its team context label ('' for a plain ccdk instance). */
  context: string;
}

export interface PlannedAgent {
  name: string;
  role: string;
  model: string | null;
  instance: string;
  promptFile: string | null;
}

export interface LaunchPlan {
  context: string;
  agents: PlannedAgent[];
  /** Instances whose containers are removed before the new ones are made (--force only). */
  remove: string[];
  /** Why the launch cannot go ahead; empty when it can. */
  refused: string[];
}

export interface LaunchInput {
  team: Team;
  context: string;
  model?: string;
  agentModels: ReadonlyMap<string, string>;
  force: boolean;
  registry: Registry;
  containers: ReadonlyMap<string, ExistingContainer>;
}

export function planLaunch(i: LaunchInput): LaunchPlan {
  const refused: string[] = [];
  const remove = new Set<string>();
  const agents = i.team.agents.map((a) => ({
    name: a.name,
    role: a.role,
    model: i.agentModels.get(a.name.toLowerCase()) ?? i.model ?? a.model ?? i.team.settings.defaultModel ?? null,
    instance: agentInstance(i.context, a.name),
    promptFile: a.promptFile,
  }));
  for (const k of i.agentModels.keys()) if (!i.team.agents.some((a) => a.name.toLowerCase() === k)) refused.push(`--agent-model: team ${i.team.name} has no agent "${k}"`);

  const previous = i.registry[i.context];
  if (previous && !i.force) refused.push(`context "${i.context}" exists already: ccorc start ${i.context} starts it again; --force replaces it; --session NAME launches another`);
  if (previous && i.force)
    for (const a of previous.agents) {
      const inst = instanceOf(previous, a);
      const c = i.containers.get(inst);
      if (c?.ours && c.context === i.context) remove.add(inst);
    }

  const owners = new Map<string, string>();
  for (const [name, ctx] of Object.entries(i.registry)) {
    if (name === i.context) continue;
    for (const a of ctx.agents) owners.set(instanceOf(ctx, a), `agent "${a.name}" of context "${name}"`);
  }
  const seen = new Map<string, string>();
  for (const a of agents) {
    const problem = instanceNameProblem(a.instance);
    if (problem) {
      refused.push(`context "${i.context}", agent "${a.name}": instance name "${a.instance}" ${problem}`);
      continue;
    }
    const twin = seen.get(a.instance);
    if (twin) refused.push(`agents "${twin}" and "${a.name}" both map to instance ${a.instance}: rename one`);
    seen.set(a.instance, a.name);
    const owner = owners.get(a.instance);
    if (owner) refused.push(`agent "${a.name}" maps to instance ${a.instance}, which is ${owner}: choose another --session`);
    const c = i.containers.get(a.instance);
    if (!c || remove.has(a.instance)) continue;
    if (!c.ours) refused.push(`a container named ccbox-${a.instance} exists and is not a ccbox container: it is never touched; remove or rename it, or choose another --session`);
    else if (!i.force) refused.push(`container ccbox-${a.instance} exists (${c.context ? `context "${c.context}"` : 'a ccdk instance'}): --force replaces it, or choose another --session`);
    else remove.add(a.instance);
  }
  return { context: i.context, agents, remove: [...remove], refused };
}
