/**
 * The team-context registry, ~/.claude-orc/team_contexts.json, in the original orchestrator's shape:
 * one JSON object keyed by context name. Every change is read-modify-write under a lock file, and
 * written atomically (temp file + rename). A registry that does not parse is never overwritten.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { acquire, LockTimeout } from '../util/file-lock.js';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RegistryAgent {
  name: string;
  role: string;
  model: string | null;
  session_id: string | null;
  instance?: string;
  container?: string;
  [k: string]: unknown;
}

export interface ContextRecord {
  context_name: string;
  tmux_session: string | null;
  created_at: string;
  agents: RegistryAgent[];
  working_dir: string;
  updated_at: string;
  orchestrator_config: Record<string, unknown>;
  [k: string]: unknown;
}

export type Registry = Record<string, ContextRecord>;

export class RegistryError extends Error {}

export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CCORC_REGISTRY || join(env.HOME || homedir(), '.claude-orc', 'team_contexts.json');
}

export function readRegistry(path: string): Registry {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (!text.trim()) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(`${path} is not valid JSON (${(err as Error).message}); it is left untouched: fix or move it`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new RegistryError(`${path}: expected one JSON object keyed by context name; it is left untouched`);
  return doc as Registry;
}

/** Runs fn holding `<registry>.lock`, an owned lock (file-lock.ts). */
export function withLock<T>(path: string, fn: () => T): T {
  mkdirSync(dirname(path), { recursive: true });
  let held;
  try {
    held = acquire(`${path}.lock`);
  } catch (err) {
    if (err instanceof LockTimeout) throw new RegistryError(err.message);
    throw err;
  }
  try {
    return fn();
  } finally {
    held.release();
  }
}

/** Read, change and write the registry as one step under the lock. */
export function updateRegistry<T>(path: string, change: (r: Registry) => T): T {
  return withLock(path, () => {
    const reg = readRegistry(path);
    const result = change(reg);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(reg, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, path);
    return result;
  });
}
