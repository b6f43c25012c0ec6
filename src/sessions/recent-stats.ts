/**
 * Stats a process has just read, handed to its next walk: the replay check (ledger/report-cache.ts)
 * stats every folder and session file a report walked, and when the report has to be made again
 * (something changed), the walk would stat them all a second time (6,500 folders and 7,000 files at
 * 1 GiB, ~5 µs each here). Each one noted is taken at most once, and the walk that takes them drops
 * the rest, so a long-running process (watch, tail) never walks with an old one.
 */
/** What the walk takes of a session file's stat (a few numbers: thousands of whole Stats kept alive cost garbage collection). */
export interface FileStat {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

/** Values noted by path, each handed out at most once. */
class TakeOnce<T> {
  private readonly noted = new Map<string, T>();

  note(path: string, value: T): void {
    this.noted.set(path, value);
  }

  /** The value noted for the path (and forgets it); else undefined. */
  take(path: string): T | undefined {
    const v = this.noted.get(path);
    if (v !== undefined) this.noted.delete(path);
    return v;
  }

  clear(): void {
    this.noted.clear();
  }
}

export class SeenStats {
  /** Folders' modification times. */
  readonly folderTimes = new TakeOnce<number>();
  /** Session files' stats. */
  readonly fileStats = new TakeOnce<FileStat>();

  clear(): void {
    this.folderTimes.clear();
    this.fileStats.clear();
  }
}
