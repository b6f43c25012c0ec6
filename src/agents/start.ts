/**
 * Starting an agent container and knowing it came up: in isolated mode its session monitor answers
 * (the daemon's own lock, not a PID file), and a few seconds after the start the container still
 * runs. Otherwise the start fails with the container's exit code and the last lines it printed.
 */
import { info, logTail, start, stop, type ContainerInfo } from '../docker/containers.js';
import { monitorLogTail, monitorStatus } from '../docker/monitor.js';
import { AgentFailed } from './errors.js';
import { sleepSync } from '../util/sleep-sync.js';

export interface StartCheck {
  /** How long a running container must stay up to count as started. */
  settleMs: number;
  /** How long the session monitor may take to answer. */
  monitorMs: number;
}

export const DEFAULT_CHECK: StartCheck = { settleMs: Number(process.env.CCDK_SETTLE_MS) || 2000, monitorMs: 10_000 };

/** What exit 127 (command not found) most likely means for an agent container, and what to do. */
export function missingCommandHint(instance: string, verb: 'start' | 'run'): string {
  return `its command was not found. If that is claude: this image has no Claude Code (ccdk build makes an image with it, which needs a registry; ccdk build --from-host adds it only when this host has claude installed), or give the agent a command, e.g. ccdk ${verb} -i ${instance} node agent.js`;
}

/** Why a container that should run does not, with what it printed last and what to do. */
export function notRunning(c: ContainerInfo): AgentFailed {
  const lines = logTail(c.instance, 8);
  const hints: Record<number, string> = {
    127: missingCommandHint(c.instance, 'start'),
    126: 'its command could not be run (not executable)',
  };
  const hint = c.exitCode !== null ? hints[c.exitCode] : undefined;
  return new AgentFailed(
    [`${c.container} stopped right after starting (exit ${c.exitCode ?? '?'})${hint ? `: ${hint}` : ''}`, ...(lines.length ? ['  last lines of its log:', ...lines.map((l) => `    ${l}`)] : [])].join('\n'),
  );
}

/** The container runs and, in isolated mode, its monitor answers; else AgentFailed. */
export function verifyStarted(instance: string, startedAt: number, check: StartCheck = DEFAULT_CHECK): ContainerInfo {
  let c = info(instance);
  if (c.mode === 'isolated') {
    for (;;) {
      if (c.state !== 'running') throw notRunning(c);
      if (monitorStatus(instance).running) break;
      if (Date.now() - startedAt > check.monitorMs) {
        const log = monitorLogTail(instance);
        throw new AgentFailed(
          [`${c.container} runs, but its session monitor did not come up within ${check.monitorMs / 1000} s, so its sessions are not reaching the host. Try ccdk restart -i ${instance}`, ...(log.length ? ['  session monitor log:', ...log.map((l) => `    ${l}`)] : [])].join('\n'),
        );
      }
      sleepSync(200);
      c = info(instance);
    }
  }
  sleepSync(startedAt + check.settleMs - Date.now());
  c = info(instance);
  if (c.state !== 'running') throw notRunning(c);
  return c;
}

export type StartOutcome = 'started' | 'already running' | 'restarted';

/** `start`: a running container is left alone; `restart`: stopped (when running) and started. */
export function startAgent(instance: string, how: 'start' | 'restart', check: StartCheck = DEFAULT_CHECK): { outcome: StartOutcome; info: ContainerInfo } {
  const before = info(instance);
  if (how === 'start' && before.state === 'running') return { outcome: 'already running', info: before };
  if (before.state === 'running' || before.state === 'paused' || before.state === 'restarting') stop(instance);
  const t0 = Date.now();
  start(instance);
  return { outcome: how === 'start' ? 'started' : 'restarted', info: verifyStarted(instance, t0, check) };
}
