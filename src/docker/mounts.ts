/**
 * Extra mounts from `.ccbox/mounts` in the workspace: one `host:container[:ro]` per line, `#`
 * comments; relative host paths are relative to the workspace.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export function parseMounts(text: string, workspace: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [host, container, mode, ...rest] = line.split(':');
    if (!host || !container || rest.length > 0 || (mode !== undefined && mode !== 'ro' && mode !== 'rw') || !isAbsolute(container))
      throw new Error(`.ccbox/mounts: "${raw.trim()}" is not host:/container/path[:ro]`);
    out.push([isAbsolute(host) ? host : join(workspace, host), container, ...(mode ? [mode] : [])].join(':'));
  }
  return out;
}

export function readMounts(workspace: string): string[] {
  let text: string;
  try {
    text = readFileSync(join(workspace, '.ccbox', 'mounts'), 'utf8');
  } catch {
    return [];
  }
  return parseMounts(text, workspace);
}
