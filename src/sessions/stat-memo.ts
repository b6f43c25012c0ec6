/**
 * Stats the replay check (cli/output-cache.ts) has just taken, handed to the folder walk of the same
 * run so that a run whose report could not be replayed does not stat every folder and file twice.
 * Each is used at most once, and whatever the walk did not use is dropped when it ends: a later walk
 * in the same process (watch) always asks the file system again.
 */
import type { Stats } from 'node:fs';

const memo = new Map<string, Stats>();

export function rememberStat(path: string, st: Stats): void {
  memo.set(path, st);
}

/** The remembered stat of `path`, if any (then forgotten). */
export function takeStat(path: string): Stats | undefined {
  const st = memo.get(path);
  if (st !== undefined) memo.delete(path);
  return st;
}

export function forgetStats(): void {
  memo.clear();
}
