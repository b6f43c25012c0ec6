/**
 * Follows the session files of some data folders and reports each new usage event once.
 *
 * Per file it keeps the read offset and identity: a grown file is read from its offset, a
 * truncated or replaced one (smaller, another inode, or other bytes just before the offset) from
 * the start, a new one from the start.
 * Per message id it keeps the largest copy reported so far: a copy is reported when its id is new,
 * or again (marked `replaces`) when it carries more tokens than the copy reported before, as the
 * final line of a streamed response does. So nothing is missed and nothing repeated.
 *
 * Changes are noticed through file-system events on every folder (reaction within milliseconds)
 * and, as a safety net for file systems without events, a full look every `pollMs`.
 */
import { statSync } from 'node:fs';
import { discover, type FoundFile } from '../sessions/discover.js';
import { FolderWatch } from '../sessions/folder-watch.js';
import { readRange, scanFile } from '../sessions/scan-file.js';
import { scanMany } from '../sessions/scan-pool.js';
import { eventTokens, type FileOrigin, type UsageEvent } from '../usage/types.js';

export interface TailEvent {
  event: UsageEvent;
  file: FileOrigin;
  /** A larger copy of a response reported before (its counts are complete, not a difference). */
  replaces: boolean;
}

export interface TailerOptions {
  dirs: string[];
  /** Report what the files already hold, then follow; else only what is written from now on. */
  fromStart: boolean;
  pollMs?: number;
}

interface FileState {
  dev: number;
  ino: number;
  offset: number;
  /** The bytes just before the offset when it was read: a file rewritten in place has others there. */
  before: Buffer;
  origin: FileOrigin;
}

const BEFORE_BYTES = 64;

function bytesBefore(path: string, offset: number): Buffer {
  return readRange(path, Math.max(0, offset - BEFORE_BYTES), offset) ?? Buffer.alloc(0);
}

export class Tailer {
  private readonly files = new Map<string, FileState>();
  private readonly best = new Map<string, number>();
  private watch: FolderWatch | null = null;
  private closed = false;

  constructor(
    private readonly opts: TailerOptions,
    private readonly onEvents: (events: TailEvent[]) => void,
  ) {}

  /** Reads what is there (reporting it only with fromStart), then starts following. */
  async start(): Promise<void> {
    const found = discover(this.opts.dirs);
    const initial: TailEvent[] = [];
    await scanMany(
      found.files.map((f, i) => ({ path: f.origin.path, fileIndex: i, subagentFile: f.origin.subagentFile, start: 0, bytes: f.size })),
      (i, scan) => {
        const f = found.files[i]!;
        const state: FileState = { dev: f.dev, ino: f.ino, offset: scan.endOffset, before: bytesBefore(f.origin.path, scan.endOffset), origin: f.origin };
        this.files.set(f.origin.path, state);
        this.take(scan.events, state, initial);
      },
    );
    if (this.opts.fromStart && initial.length > 0) this.onEvents(initial.sort((a, b) => a.event.timestamp - b.event.timestamp));
    if (this.closed) return;
    this.watch = new FolderWatch({ dirs: this.opts.dirs, pollMs: this.opts.pollMs ?? 2000 }, (walk) => this.refresh(walk));
    this.watch.follow(found.files);
  }

  close(): void {
    this.closed = true;
    this.watch?.close();
  }

  /**
   * Reads what changed. A write to a known file needs only a stat of the known files; `full` (a file
   * or folder created, renamed or removed, and the periodic look) walks the folders for new ones.
   */
  refresh(full: boolean): void {
    if (this.closed) return;
    const out: TailEvent[] = [];
    if (full) {
      const found = discover(this.opts.dirs);
      const present = new Set<string>();
      for (const f of found.files) {
        present.add(f.origin.path);
        this.readFile(f, out);
      }
      for (const path of [...this.files.keys()]) if (!present.has(path)) this.files.delete(path);
      this.watch?.follow(found.files);
    } else {
      for (const [path, state] of [...this.files]) {
        let st;
        try {
          st = statSync(path);
        } catch {
          continue; // gone: the next full look drops it
        }
        this.readFile({ origin: state.origin, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev, ino: st.ino }, out);
      }
    }
    if (out.length > 0) this.onEvents(out);
  }

  private readFile(f: FoundFile, out: TailEvent[]): void {
    let state = this.files.get(f.origin.path);
    if (state && (state.dev !== f.dev || state.ino !== f.ino || f.size < state.offset)) state = undefined; // replaced or truncated
    if (state && f.size === state.offset) return;
    // Grown, but perhaps rewritten in place (`cat new > file`): then it is read from its start.
    if (state && !bytesBefore(f.origin.path, state.offset).equals(state.before)) state = undefined;
    const start = state?.offset ?? 0;
    const scan = scanFile(f.origin.path, { fileIndex: 0, subagentFile: f.origin.subagentFile, start });
    if (scan.warnings.error) return;
    const next: FileState = { dev: f.dev, ino: f.ino, offset: scan.endOffset, before: bytesBefore(f.origin.path, scan.endOffset), origin: f.origin };
    this.files.set(f.origin.path, next);
    this.take(scan.events, next, out);
  }

  private take(events: UsageEvent[], state: FileState, out: TailEvent[]): void {
    for (const e of events) {
      const tokens = eventTokens(e);
      let replaces = false;
      if (e.messageId !== null) {
        const seen = this.best.get(e.messageId);
        if (seen !== undefined && tokens <= seen) continue;
        replaces = seen !== undefined;
        this.best.set(e.messageId, tokens);
      }
      out.push({ event: e, file: state.origin, replaces });
    }
  }
}
