/**
 * Stats this process has just read: the replay check (cli/output-cache.ts) stats every folder and
 * session file a report walked, and when the report has to be made again (something changed), the
 * walk would stat them all a second time (6,500 folders and 7,000 files at 1 GiB, ~5 µs each here).
 * Each one noted is taken at most once, and whatever the walk did not take is forgotten when it
 * ends, so a long-running process (watch, tail) never walks with an old one.
 */
import type { Stats } from 'node:fs';

const folderTimes = new Map<string, number>();
const fileStats = new Map<string, Stats>();

export function noteFolderTime(path: string, mtimeMs: number): void {
  folderTimes.set(path, mtimeMs);
}

/** The folder's modification time if this process read it moments ago (and forgets it); else undefined. */
export function takeFolderTime(path: string): number | undefined {
  const t = folderTimes.get(path);
  if (t !== undefined) folderTimes.delete(path);
  return t;
}

export function noteFileStat(path: string, st: Stats): void {
  fileStats.set(path, st);
}

/** The file's stat if this process read it moments ago (and forgets it); else undefined. */
export function takeFileStat(path: string): Stats | undefined {
  const st = fileStats.get(path);
  if (st !== undefined) fileStats.delete(path);
  return st;
}

/** Forgets everything noted: called when a walk ends. */
export function forgetRecentStats(): void {
  folderTimes.clear();
  fileStats.clear();
}
