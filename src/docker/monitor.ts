/**
 * The session monitor of an isolated container, seen from the host: asked through the daemon's
 * own `--status` (its kernel-held lock), never through the PID file.
 */
import { dockerSync } from './engine.js';
import { containerName } from './spec.js';

export const MONITOR_SCRIPT = '/opt/ccorc/dist/src/daemon/session-monitor.js';
export const MONITOR_LOG = '/var/log/session_monitor.log';

export interface MonitorStatus {
  running: boolean;
  /** What the monitor (or the failed call) said. */
  detail: string;
}

export function monitorStatus(instance: string): MonitorStatus {
  const r = dockerSync(['exec', containerName(instance), 'node', MONITOR_SCRIPT, '--status']);
  return { running: r.code === 0, detail: (r.stdout.trim() || r.stderr.trim()).split('\n')[0] ?? '' };
}

/** The last lines of the monitor's log. */
export function monitorLogTail(instance: string, lines = 5): string[] {
  const r = dockerSync(['exec', containerName(instance), 'tail', '-n', String(lines), MONITOR_LOG]);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
}
