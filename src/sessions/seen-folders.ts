/**
 * Folder modification times this process has just read: the replay check (cli/output-cache.ts)
 * stats every folder a report walked, and when the report has to be made again the walk would stat
 * them all a second time (6,500 folders at 1 GiB). Each time noted is taken at most once, so a
 * long-running process (watch, tail) never walks with an old one.
 */
const times = new Map<string, number>();

export function noteFolderTime(path: string, mtimeMs: number): void {
  times.set(path, mtimeMs);
}

/** The folder's modification time if this process read it moments ago (and forgets it); else undefined. */
export function takeFolderTime(path: string): number | undefined {
  const t = times.get(path);
  if (t !== undefined) times.delete(path);
  return t;
}
