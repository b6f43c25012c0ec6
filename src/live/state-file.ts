/**
 * The small JSON files the watchers keep between runs (what was notified, what the guard did).
 * Written atomically (temp file + rename). A file that is there but damaged (empty, not JSON, not
 * the expected shape) is moved aside once with a message, never read as empty in silence, since
 * that would send every alert again or forget what the guard paused.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** The state folder cannot be written: found at start, not when the first alert is due. */
export class StateFileError extends Error {}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state'), 'ccorc');
}

export function readStateFile<T>(path: string, valid: (v: unknown) => v is T, log: (s: string) => void): T | null {
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StateFileError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (valid(v)) return v;
  } catch {
    // damaged: moved aside below
  }
  const aside = `${path}.damaged-${Date.now()}`;
  renameSync(path, aside);
  log(`${path} was damaged (${text.trim() ? 'not the state ccost writes' : 'empty'}); moved it to ${aside} and started afresh`);
  return null;
}

/** The file's content when it is there and sound; null otherwise. Moves nothing (for --dry-run). */
export function peekStateFile<T>(path: string, valid: (v: unknown) => v is T): T | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return valid(v) ? v : null;
  } catch {
    return null;
  }
}

export function writeStateFile(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n');
  renameSync(tmp, path);
}

/** Throws StateFileError unless the file's folder can be made and written. */
export function checkWritable(path: string): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new StateFileError(`cannot write state to ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give another place with --state, or fix the folder's permissions`);
  }
}
