/**
 * A team context's containers as a whole: which exist and are ours, starting and stopping them.
 * Only containers labelled as ours and as this context's are ever acted on.
 */
import { inspect, stop, type ContainerInfo } from '../docker/containers.js';
import { containerName } from '../docker/spec.js';
import type { ContextRecord } from '../teams/registry.js';
import { instanceOf } from '../teams/costs.js';
import { AgentFailed } from './errors.js';
import { startAgent, type StartOutcome } from './start.js';

export interface TeamMember {
  agent: string;
  instance: string;
  /** The container, when it exists, is ours and belongs to this context. */
  container: ContainerInfo | null;
  /** Set when a container of that name exists but is not this context's. */
  foreign: string | null;
}

export function members(ctx: ContextRecord): TeamMember[] {
  return ctx.agents.map((a) => {
    const instance = instanceOf(ctx, a);
    const found = inspect(instance);
    if (!found) return { agent: a.name, instance, container: null, foreign: null };
    if (!found.ours) return { agent: a.name, instance, container: null, foreign: 'not a ccbox container' };
    if (found.info.context !== ctx.context_name) return { agent: a.name, instance, container: null, foreign: found.info.context ? `context "${found.info.context}"` : 'a ccdk instance' };
    return { agent: a.name, instance, container: found.info, foreign: null };
  });
}

export function startTeam(ctx: ContextRecord, progress: (line: string) => void): void {
  const team = members(ctx);
  const missing = team.filter((m) => !m.container);
  if (missing.length)
    throw new AgentFailed(
      `context "${ctx.context_name}" cannot start: ${missing.map((m) => `${containerName(m.instance)} ${m.foreign ? `belongs to ${m.foreign}` : 'does not exist'}`).join('; ')} (ccorc launch ${String(ctx.orchestrator_config?.team ?? 'TEAM')} --session ${ctx.context_name} --force makes them again)`,
    );
  for (const m of team) {
    const { outcome }: { outcome: StartOutcome } = startAgent(m.instance, 'start');
    progress(`${m.agent}: ${containerName(m.instance)} ${outcome}`);
  }
}

export function stopTeam(ctx: ContextRecord, progress: (line: string) => void): void {
  for (const m of members(ctx)) {
    if (!m.container) progress(`${m.agent}: ${containerName(m.instance)} ${m.foreign ? `belongs to ${m.foreign}; left alone` : 'does not exist'}`);
    else if (m.container.state === 'running' || m.container.state === 'paused') {
      stop(m.instance);
      progress(`${m.agent}: ${containerName(m.instance)} stopped`);
    } else progress(`${m.agent}: ${containerName(m.instance)} was not running`);
  }
}
