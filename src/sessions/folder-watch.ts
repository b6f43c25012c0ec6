/**
 * Notices changes under some data folders: file-system events on every folder that holds session
 * files (a reaction within milliseconds) and, for file systems without events, a look every
 * `pollMs`. It reads nothing: it tells its owner that something changed, which paths the events
 * named (null from a poll: any), and whether files may have been added, renamed or removed (then
 * the folders need walking again).
 */
import { watch, type FSWatcher } from 'node:fs';

export interface FolderWatchOptions {
  dirs: readonly string[];
  pollMs: number;
  /** Every this many polls, the poll asks for a walk (files may appear where no event reaches). */
  walkEvery?: number;
}

/**
 * How the live commands look between events: a poll every 2 s (of the files written within the last
 * hour: ledger/live-view.ts), and a walk of every folder every 30 s. Both are for what no event told
 * of: a new file or folder raises one on its watched parent, and its project folder is walked at once.
 */
export const FOLLOW_CADENCE = { pollMs: 2000, walkEvery: 15 } as const;

export class FolderWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  private poll: NodeJS.Timeout | null = null;
  private pending: NodeJS.Timeout | null = null;
  private structural = false;
  private named = new Set<string>();
  private polls = 0;
  private closed = false;
  /** follow() has run once (the owner's first look covered what was there). */
  private started = false;
  private followed: readonly string[] | null = null;

  constructor(
    private readonly opts: FolderWatchOptions,
    private readonly onChange: (walk: boolean, paths: ReadonlySet<string> | null) => void,
  ) {
    this.poll = setInterval(() => {
      this.polls++;
      this.onChange(this.polls % (opts.walkEvery ?? 1) === 0, null);
    }, opts.pollMs);
  }

  /** Watches the data folders and the folders a walk listed (empty ones too: a session file may appear in any). */
  follow(folders: readonly string[]): void {
    // Called after every round; the list changes only when the folders were walked again.
    if (folders === this.followed) return;
    this.followed = folders;
    const dirs = new Set<string>();
    for (const d of this.opts.dirs) {
      dirs.add(d);
      dirs.add(`${d}/projects`);
    }
    for (const d of folders) dirs.add(d);
    const roots = new Set(this.opts.dirs);
    const added: string[] = [];
    for (const d of dirs) {
      if (this.watchers.has(d) || this.closed) continue;
      try {
        // In a data folder only its projects/ matters: a ledger or anything else kept there must not
        // wake the watcher (a ledger written on each wake-up would wake it again).
        const w = watch(d, { persistent: true }, (type, name) => {
          if (roots.has(d) && name !== null && name !== 'projects') return;
          this.schedule(type === 'rename', name === null ? null : `${d}/${name}`); // as the walk spells paths
        });
        w.on('error', () => {
          w.close();
          this.watchers.delete(d);
        });
        this.watchers.set(d, w);
        added.push(d);
      } catch {
        // A folder that does not exist (yet): the periodic look finds what appears later.
      }
    }
    // What was written into a new folder before it was watched raised no event: look in it once more.
    if (this.started) for (const d of added) this.schedule(true, d);
    this.started = true;
  }

  close(): void {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    if (this.pending) clearTimeout(this.pending);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private schedule(structural: boolean, path: string | null): void {
    this.structural ||= structural || path === null;
    if (path !== null) this.named.add(path);
    if (this.pending || this.closed) return;
    // Writers append a line in several system calls: wait a moment so a line is read whole.
    this.pending = setTimeout(() => {
      this.pending = null;
      const walk = this.structural;
      const paths = this.named;
      this.structural = false;
      this.named = new Set();
      this.onChange(walk, paths);
    }, 20);
  }
}

/** What FolderWatch reported since its owner last looked, merged: whether to walk, and which paths changed (null: any). */
export class PendingChanges {
  private walk = true;
  private paths: Set<string> | null = null;

  add(walk: boolean, paths: ReadonlySet<string> | null): void {
    this.walk ||= walk;
    if (paths === null) this.paths = null;
    else if (this.paths !== null) for (const p of paths) this.paths.add(p);
  }

  take(): { walk: boolean; paths: ReadonlySet<string> | null } {
    const out = { walk: this.walk, paths: this.paths };
    this.walk = false;
    this.paths = new Set();
    return out;
  }
}
