/**
 * Carries out a launch plan. The registry learns of every container before it exists: the context is
 * recorded first with each agent `pending`, and each agent is marked `created` once its container
 * came up. A failure part-way removes what this launch made and its record, and says so; a launch
 * killed part-way leaves a record that names every container it may have made (ccorc clean finds them).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { create, inspect, remove, start } from '../docker/containers.js';
import { containerName, passThroughEnv } from '../docker/spec.js';
import { updateRegistry, type ContextRecord, type RegistryAgent } from '../teams/registry.js';
import { TeamFileError, type Team } from '../teams/team-file.js';
import { AgentFailed } from './errors.js';
import type { ExistingContainer, LaunchPlan, PlannedAgent } from './launch-plan.js';
import { verifyStarted } from './start.js';

export interface LaunchOptions {
  registryPath: string;
  team: Team;
  image: string;
  /** The agent command; null: the image's (claude). */
  command: string[] | null;
  network?: string;
  workspace: string;
  hostHome: string;
  hostName: string;
  user: { uid: number; gid: number };
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
}

/** What exists on the engine under these instance names: the facts a launch plan is made from. */
export function containersAt(instances: readonly string[]): Map<string, ExistingContainer> {
  const out = new Map<string, ExistingContainer>();
  for (const instance of new Set(instances)) {
    const found = inspect(instance);
    if (found) out.set(instance, { ours: found.ours, context: found.info.context });
  }
  return out;
}

/** The agent's command: the prompt file's text reaches Claude Code as --append-system-prompt. */
export function agentCommand(base: string[] | null, promptFile: string | null, team: Team): string[] | undefined {
  if (!promptFile) return base ?? undefined;
  const path = isAbsolute(promptFile) ? promptFile : join(dirname(team.path), promptFile);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TeamFileError(`${team.path}: prompt_file ${promptFile}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message} (looked at ${path})`);
  }
  return [...(base ?? ['claude']), '--append-system-prompt', text];
}

function record(plan: LaunchPlan, o: LaunchOptions, createdAt: string): ContextRecord {
  const now = new Date().toISOString();
  return {
    context_name: plan.context,
    tmux_session: null,
    created_at: createdAt,
    agents: plan.agents.map((a) => ({ name: a.name, role: a.role, model: a.model, session_id: null, instance: a.instance, container: containerName(a.instance), state: 'pending' })),
    working_dir: o.workspace,
    updated_at: now,
    orchestrator_config: { team: o.team.name, team_file: o.team.path, mode: 'isolated', launched_by: 'ccorc' },
  };
}

function markAgent(path: string, context: string, instance: string, state: string): void {
  updateRegistry(path, (reg) => {
    const a = reg[context]?.agents.find((x: RegistryAgent) => x.instance === instance);
    if (a) a.state = state;
    if (reg[context]) reg[context].updated_at = new Date().toISOString();
  });
}

export function launch(plan: LaunchPlan, o: LaunchOptions): void {
  // Every prompt file is read before anything is touched.
  const commands = new Map<string, string[] | undefined>(plan.agents.map((a) => [a.instance, agentCommand(o.command, a.promptFile, o.team)]));
  for (const inst of plan.remove) remove(inst, true);
  let createdAt = new Date().toISOString();
  updateRegistry(o.registryPath, (reg) => {
    createdAt = reg[plan.context]?.created_at ?? createdAt;
    reg[plan.context] = record(plan, o, createdAt);
  });
  const made: PlannedAgent[] = [];
  try {
    for (const a of plan.agents) {
      create({
        instance: a.instance,
        image: o.image,
        mode: 'isolated',
        workspace: o.workspace,
        hostHome: o.hostHome,
        user: o.user,
        context: plan.context,
        role: a.role,
        agentName: a.name,
        model: a.model ?? undefined,
        network: o.network,
        env: passThroughEnv(o.env),
        command: commands.get(a.instance),
        hostName: o.hostName,
        tty: true, // Claude Code's interface waits in its terminal for ccdk attach
      });
      made.push(a);
      const t0 = Date.now();
      start(a.instance);
      verifyStarted(a.instance, t0);
      markAgent(o.registryPath, plan.context, a.instance, 'created');
      o.progress(`${a.name} (${a.role}) → ${containerName(a.instance)}`);
    }
  } catch (err) {
    for (const a of made) remove(a.instance, true);
    updateRegistry(o.registryPath, (reg) => {
      delete reg[plan.context];
    });
    throw new AgentFailed(`${(err as Error).message}\nlaunch of "${plan.context}" undone: ${made.length} container(s) removed, no registry entry kept`);
  }
}
