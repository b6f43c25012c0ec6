/**
 * ccbox containers on the engine: create/start/stop/remove, and listing them by their labels (read
 * from `docker inspect` JSON: label values may hold any character, commas too).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerOk, dockerSync, EngineError } from './engine.js';
import { homeArchive } from './home-archive.js';
import { AGENT_HOME, containerName, createArgs, LABEL, type ContainerOptions, type Mode } from './spec.js';

export interface ContainerInfo {
  instance: string;
  container: string;
  id: string;
  mode: Mode | string;
  context: string;
  role: string;
  agentName: string;
  workspace: string;
  /** The agent's home inside the container. */
  home: string;
  state: string;
  status: string;
  /** The exit code of the last run, when it is not running. */
  exitCode: number | null;
  created: string;
  image: string;
}

/** The host side of the mounts must exist: a missing file would be mounted as a new folder. */
export function prepareHostHome(hostHome: string): void {
  mkdirSync(join(hostHome, '.claude', 'projects'), { recursive: true });
  const json = join(hostHome, '.claude.json');
  if (!existsSync(json)) writeFileSync(json, '{}\n', { mode: 0o600 });
}

export function exists(instance: string): boolean {
  return dockerSync(['container', 'inspect', '--format', '{{.Id}}', containerName(instance)]).code === 0;
}

export function imageExists(image: string): boolean {
  return dockerSync(['image', 'inspect', '--format', '{{.Id}}', image]).code === 0;
}

/** Creates the container (not started), with the agent's home in place and owned by the agent. */
export function create(o: ContainerOptions): string {
  if (!imageExists(o.image))
    throw new EngineError(`image ${o.image} is not here: build it with ccdk build (or ccdk build --from-host on a machine without a registry), or name another with --image`);
  if (exists(o.instance)) throw new EngineError(`instance ${o.instance} already exists (container ${containerName(o.instance)}); use ccdk start ${o.instance} to start it, or ccdk rm ${o.instance}`);
  prepareHostHome(o.hostHome);
  const id = dockerOk(createArgs(o)).trim();
  const cp = dockerSync(['cp', '-', `${containerName(o.instance)}:/`], homeArchive(o.hostHome, o.user.uid, o.user.gid));
  if (cp.code !== 0) {
    dockerSync(['rm', '--force', containerName(o.instance)]);
    throw new EngineError(`could not make the agent's home ${o.hostHome} in the container: ${cp.stderr.trim()}`);
  }
  return id;
}

export function start(instance: string): void {
  dockerOk(['start', containerName(instance)]);
}

export function stop(instance: string, seconds = 10): void {
  dockerOk(['stop', '--time', String(seconds), containerName(instance)]);
}

export function pause(instance: string): void {
  dockerOk(['pause', containerName(instance)]);
}

export function unpause(instance: string): void {
  dockerOk(['unpause', containerName(instance)]);
}

/** Removes the container only: session data on the host stays. */
export function remove(instance: string, force: boolean): void {
  dockerOk(['rm', ...(force ? ['--force'] : []), containerName(instance)]);
}

interface Inspected {
  Id: string;
  Name: string;
  Created: string;
  State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; FinishedAt: string };
  Config: { Labels: Record<string, string> | null; Image: string };
}

function describe(c: Inspected): ContainerInfo {
  const l = c.Config.Labels ?? {};
  const st = c.State;
  return {
    instance: l[`${LABEL}.instance`] ?? '',
    container: c.Name.replace(/^\//, ''),
    id: c.Id.slice(0, 12),
    mode: l[`${LABEL}.mode`] ?? '',
    context: l[`${LABEL}.context`] ?? '',
    role: l[`${LABEL}.role`] ?? '',
    agentName: l[`${LABEL}.agent_name`] ?? '',
    workspace: l[`${LABEL}.workspace`] ?? '',
    home: l[`${LABEL}.home`] || AGENT_HOME,
    state: st.Status,
    status: st.Running ? `running since ${st.StartedAt.slice(0, 19)}` : st.Status === 'created' ? 'created' : `${st.Status} (exit ${st.ExitCode}) at ${st.FinishedAt.slice(0, 19)}`,
    exitCode: st.Running ? null : st.ExitCode,
    created: c.Created,
    image: c.Config.Image,
  };
}

/** Every container labelled as ours. */
export function list(): ContainerInfo[] {
  const ids = dockerOk(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${LABEL}.instance`]).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const r = dockerSync(['inspect', ...ids]);
  // A container removed between the two calls is not an error: inspect prints the others.
  const rows = (JSON.parse(r.stdout || '[]') as Inspected[]).map(describe).filter((c) => c.instance);
  return rows.sort((a, b) => a.instance.localeCompare(b.instance));
}

/** The container named ccbox-<instance>, labelled as ours or not (null when there is none). */
export function inspect(instance: string): { info: ContainerInfo; ours: boolean } | null {
  const r = dockerSync(['container', 'inspect', containerName(instance)]);
  if (r.code !== 0) return null;
  const c = (JSON.parse(r.stdout) as Inspected[])[0]!;
  return { info: describe(c), ours: Boolean(c.Config.Labels?.[`${LABEL}.instance`]) };
}

export function info(instance: string): ContainerInfo {
  const found = inspect(instance);
  if (!found || !found.ours || found.info.instance !== instance) throw new EngineError(`no ccbox instance named ${instance} (ccdk list shows them)`);
  return found.info;
}

/** The last lines the container printed. */
export function logTail(instance: string, lines = 10): string[] {
  const r = dockerSync(['logs', '--tail', String(lines), containerName(instance)]);
  return (r.stdout + r.stderr).split(/\r?\n/).filter((l) => l.trim());
}
