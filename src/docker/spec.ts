/**
 * What a ccbox container looks like: its name, labels, mounts, environment and command, as the
 * argument vector of `docker create`. Pure.
 */
import { resolve } from 'node:path';
import { instanceNameProblem } from '../sessions/attribution.js';

export const LABEL = 'xyz.texot.ccbox';
export const SCHEMA_VERSION = '1';
/** The agent's home in containers made before the home was the host user's home path. */
export const AGENT_HOME = '/home/agent';

export type Mode = 'isolated' | 'shared';

export interface ContainerOptions {
  instance: string;
  image: string;
  mode: Mode;
  /** The directory ccdk was started in: mounted at the same path, the agent's working directory. */
  workspace: string;
  /** The host user's home (its .claude and .claude.json are mounted); also the agent's home path inside. */
  hostHome: string;
  user: { uid: number; gid: number };
  context?: string;
  role?: string;
  agentName?: string;
  model?: string;
  network?: string;
  /** Extra mounts `host:container[:ro]`. */
  mounts?: string[];
  env?: Record<string, string>;
  command?: string[];
  hostName: string;
  /** A terminal for the agent: Claude Code's interface waits in it for `ccdk attach`. */
  tty?: boolean;
}

export function containerName(instance: string): string {
  return `ccbox-${instance}`;
}

export function validateInstance(name: string): void {
  const problem = instanceNameProblem(name);
  if (problem) throw new Error(`invalid instance name "${name}": it ${problem}`);
}

/** Variables passed through from the host, as the original tool did. */
export const PASS_THROUGH = [/^ANTHROPIC_/, /^CLAUDE_CODE_/, /^(HTTP|HTTPS|NO|ALL)_PROXY$/i, /^LANG$/, /^LC_/, /^TZ$/, /^DISABLE_/, /^AWS_/, /^GOOGLE_/, /^CLOUD_ML_/, /^VERTEX_/, /^MAX_THINKING_TOKENS$/, /^BASH_/];

export function passThroughEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && PASS_THROUGH.some((re) => re.test(k))) out[k] = v;
  return out;
}

/**
 * Why these options cannot make a working container, or null. An isolated agent's home is the host
 * user's home path: a workspace that holds that home would lay the host's own ~/.claude over the
 * agent's, and the monitor would mirror the host's folders into themselves.
 */
export function optionsProblem(o: Pick<ContainerOptions, 'mode' | 'workspace' | 'hostHome'>): string | null {
  const [home, ws] = [resolve(o.hostHome), resolve(o.workspace)];
  if (o.mode === 'isolated' && (home === ws || home.startsWith(ws === '/' ? ws : `${ws}/`)))
    return `the workspace ${o.workspace} holds your home folder ${o.hostHome}: start isolated agents from a project folder (cd into it first), or use --shared`;
  return null;
}

export function createArgs(o: ContainerOptions): string[] {
  validateInstance(o.instance);
  const problem = optionsProblem(o);
  if (problem) throw new Error(problem);
  const name = containerName(o.instance);
  const labels: Record<string, string> = {
    [`${LABEL}.instance`]: o.instance,
    [`${LABEL}.mode`]: o.mode,
    [`${LABEL}.context`]: o.context ?? '',
    [`${LABEL}.role`]: o.role ?? '',
    [`${LABEL}.agent_name`]: o.agentName ?? o.instance,
    [`${LABEL}.schema_version`]: SCHEMA_VERSION,
    [`${LABEL}.workspace`]: o.workspace,
    [`${LABEL}.home`]: o.hostHome,
  };
  const home = o.hostHome;
  const claudeDir = `${home}/.claude`;
  const claudeJson = `${home}/.claude.json`;
  const mounts =
    o.mode === 'shared'
      ? [`${claudeDir}:${home}/.claude`, `${claudeJson}:${home}/.claude.json`]
      : [`${claudeDir}:${home}/.claude-host/.claude`, `${claudeJson}:${home}/.claude-host/.claude.json`];
  mounts.push(`${o.workspace}:${o.workspace}`, ...(o.mounts ?? []));
  const env: Record<string, string> = {
    HOME: home,
    CCBOX_INSTANCE: o.instance,
    CCBOX_MODE: o.mode,
    CCBOX_WORKSPACE: o.workspace,
    CCBOX_HOST: o.hostName,
    ...(o.context ? { CCBOX_CONTEXT: o.context } : {}),
    ...(o.role ? { CCBOX_ROLE: o.role } : {}),
    ...(o.agentName ? { CCBOX_AGENT: o.agentName } : {}),
    ...(o.model ? { ANTHROPIC_MODEL: o.model } : {}),
    ...o.env,
  };
  const args = ['create', '--name', name, '--hostname', name, '--user', `${o.user.uid}:${o.user.gid}`, '--workdir', o.workspace, '--network', o.network ?? 'host', '--init'];
  for (const [k, v] of Object.entries(labels)) args.push('--label', `${k}=${v}`);
  for (const m of mounts) args.push('--volume', m);
  for (const [k, v] of Object.entries(env)) args.push('--env', `${k}=${v}`);
  args.push('--interactive', ...(o.tty ? ['--tty'] : []), o.image, ...(o.command ?? []));
  return args;
}
