/**
 * ccbox containers on the engine: create/start/stop/remove, and listing them by their labels.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerOk, dockerSync, EngineError } from './engine.js';
import { containerName, createArgs, LABEL, type ContainerOptions, type Mode } from './spec.js';

export interface ContainerInfo {
  instance: string;
  container: string;
  id: string;
  mode: Mode | string;
  context: string;
  role: string;
  agentName: string;
  workspace: string;
  state: string;
  status: string;
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

export function create(o: ContainerOptions): string {
  if (dockerSync(['image', 'inspect', '--format', '{{.Id}}', o.image]).code !== 0)
    throw new EngineError(`image ${o.image} is not here: build it with ccdk build (or ccdk build --from-host on a machine without a registry), or name another with --image`);
  if (exists(o.instance)) throw new EngineError(`instance ${o.instance} already exists (container ${containerName(o.instance)}); use ccdk start ${o.instance} to start it, or ccdk rm ${o.instance}`);
  prepareHostHome(o.hostHome);
  return dockerOk(createArgs(o)).trim();
}

export function start(instance: string): void {
  dockerOk(['start', containerName(instance)]);
}

export function stop(instance: string, seconds = 10): void {
  dockerOk(['stop', '--time', String(seconds), containerName(instance)]);
}

/** Removes the container only: session data on the host stays. */
export function remove(instance: string, force: boolean): void {
  dockerOk(['rm', ...(force ? ['--force'] : []), containerName(instance)]);
}

function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export function list(all = true): ContainerInfo[] {
  const out = dockerOk(['ps', ...(all ? ['--all'] : []), '--no-trunc', '--filter', `label=${LABEL}.instance`, '--format', '{{json .}}']);
  const rows: ContainerInfo[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    const c = JSON.parse(line) as { ID: string; Names: string; Labels: string; State: string; Status: string; CreatedAt: string; Image: string };
    const l = parseLabels(c.Labels);
    rows.push({
      instance: l[`${LABEL}.instance`] ?? '',
      container: c.Names,
      id: c.ID.slice(0, 12),
      mode: l[`${LABEL}.mode`] ?? '',
      context: l[`${LABEL}.context`] ?? '',
      role: l[`${LABEL}.role`] ?? '',
      agentName: l[`${LABEL}.agent_name`] ?? '',
      workspace: l[`${LABEL}.workspace`] ?? '',
      state: c.State,
      status: c.Status,
      created: c.CreatedAt,
      image: c.Image,
    });
  }
  return rows.sort((a, b) => a.instance.localeCompare(b.instance));
}

export function info(instance: string): ContainerInfo {
  const found = list().find((c) => c.instance === instance);
  if (!found) throw new EngineError(`no ccbox instance named ${instance} (ccdk list shows them)`);
  return found;
}
