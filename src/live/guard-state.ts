/**
 * The guard's record (what it paused or stopped, hand releases, raises), shared by the guard and by
 * `ccorc resume` / `ccdk unpause`: every change is a read-modify-write under the owned lock.
 */
import { join } from 'node:path';
import { acquire } from '../util/file-lock.js';
import { emptyGuardDoc, isGuardDoc, type GuardDoc } from './guard.js';
import { readStateFile, stateDir, writeStateFile } from './state-file.js';

export function defaultGuardPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'guard-state.json');
}

export function updateGuardDoc<T>(path: string, log: (s: string) => void, change: (doc: GuardDoc) => { doc: GuardDoc; result: T }): T {
  const held = acquire(`${path}.lock`);
  try {
    const before = readStateFile(path, isGuardDoc, log) ?? emptyGuardDoc();
    const { doc, result } = change(before);
    // Evaluated on every change to the session files: written only when something changed.
    if (JSON.stringify(doc) !== JSON.stringify(before)) writeStateFile(path, doc);
    return result;
  } finally {
    held.release();
  }
}
