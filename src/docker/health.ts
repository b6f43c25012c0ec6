/**
 * Health of an agent container: running; in isolated mode the session monitor alive and every
 * container session file mirrored on the host (same size); host folders readable; newest write per
 * folder; the tail of the monitor's log.
 */
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseProjectFolder } from '../sessions/attribution.js';
import { hostFolderName } from '../daemon/mirror.js';
import { dockerSync } from './engine.js';
import { containerName } from './spec.js';
import { MONITOR_SCRIPT, monitorLogTail, monitorStatus } from './monitor.js';
import type { ContainerInfo } from './containers.js';
import { sleepSync } from '../util/sleep-sync.js';

export interface FolderHealth {
  project: string;
  hostFolder: string;
  exists: boolean;
  readable: boolean;
  /** Container files whose host copy is missing or shorter. */
  behind: string[];
  newestWrite: string | null;
}

export interface Health {
  instance: string;
  mode: string;
  running: boolean;
  daemonAlive: boolean | null;
  folders: FolderHealth[];
  problems: string[];
  logTail: string[];
  healthy: boolean;
}

const CATCH_UP_MS = 1500;


function newest(dir: string): number {
  let best = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) best = Math.max(best, statSync(p).mtimeMs);
    }
  };
  try {
    walk(dir);
  } catch {
    // unreadable: reported as such
  }
  return best;
}

export function health(c: ContainerInfo, hostHome: string): Health {
  const name = containerName(c.instance);
  const h: Health = { instance: c.instance, mode: c.mode, running: c.state === 'running', daemonAlive: null, folders: [], problems: [], logTail: [], healthy: false };
  if (!h.running) h.problems.push(`container ${name} is ${c.state}: ccdk start -i ${c.instance}`);
  if (c.mode === 'isolated' && h.running) {
    h.daemonAlive = monitorStatus(c.instance).running;
    if (!h.daemonAlive) h.problems.push(`the session monitor is not running: ccdk restart -i ${c.instance} (or, leaving the agent running: ccdk exec -i ${c.instance} node ${MONITOR_SCRIPT} --background)`);
    h.logTail = monitorLogTail(c.instance);
    const projects = `${c.home}/.claude/projects/`;
    const files = dockerSync(['exec', name, 'find', projects, '-type', 'f', '-exec', 'stat', '-c', '%s %n', '{}', '+']);
    const byProject = new Map<string, Array<{ rel: string; size: number }>>();
    for (const line of files.stdout.split('\n').filter(Boolean)) {
      const sp = line.indexOf(' ');
      const rel = line.slice(sp + 1).slice(projects.length).replace(/^\/+/, '');
      const [project, ...rest] = rel.split('/');
      byProject.set(project!, [...(byProject.get(project!) ?? []), { rel: rest.join('/'), size: Number(line.slice(0, sp)) }]);
    }
    for (const [project, list] of byProject) {
      const hostFolder = join(hostHome, '.claude', 'projects', hostFolderName(c.instance, project));
      const f: FolderHealth = { project, hostFolder, exists: false, readable: false, behind: [], newestWrite: null };
      try {
        f.exists = statSync(hostFolder).isDirectory();
        accessSync(hostFolder, constants.R_OK | constants.X_OK);
        f.readable = true;
      } catch {
        // reported below
      }
      const hostSize = (rel: string) => {
        try {
          return statSync(join(hostFolder, rel)).size;
        } catch {
          return -1;
        }
      };
      let behind = list.filter(({ rel, size }) => hostSize(rel) < size);
      // An agent that is writing is always a little ahead: behind means the host has not caught up
      // with what the container had, a moment later (the monitor copies within a second).
      if (behind.length) {
        sleepSync(CATCH_UP_MS);
        behind = behind.filter(({ rel, size }) => hostSize(rel) < size);
      }
      f.behind = behind.map((b) => b.rel);
      const t = newest(hostFolder);
      f.newestWrite = t ? new Date(t).toISOString() : null;
      if (!f.exists) h.problems.push(`${project}: no host folder ${hostFolder} yet (the monitor makes it within a second; if it stays missing: ccdk restart -i ${c.instance})`);
      else if (!f.readable) h.problems.push(`${hostFolder} is not readable by this user (it belongs to the container's user: run ccdk as the user who started it)`);
      if (f.behind.length) h.problems.push(`${project}: ${f.behind.length} file(s) not yet complete on the host (copied within a second; if this stays: ccdk restart -i ${c.instance})`);
      h.folders.push(f);
    }
    // Host folders of this instance without a container folder are history, not a problem.
    try {
      for (const n of readdirSync(join(hostHome, '.claude', 'projects')))
        if (parseProjectFolder(n).instance === c.instance && !byProject.has(parseProjectFolder(n).project))
          h.folders.push({ project: parseProjectFolder(n).project, hostFolder: join(hostHome, '.claude', 'projects', n), exists: true, readable: true, behind: [], newestWrite: null });
    } catch {
      // no host projects folder yet
    }
  }
  h.healthy = h.problems.length === 0;
  return h;
}
