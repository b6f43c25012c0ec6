/**
 * Brings the ledger up to date with the session files on disk, reading only what is new:
 * a grown file from its checkpoint; a shrunk or replaced one again from the start (its old events
 * replaced); a renamed one keeps its events; a deleted one keeps its events (marked gone).
 */
import type { FoundFile } from '../sessions/discover.js';
import { scanMany, type ScanJob } from '../sessions/scan-pool.js';
import { closeSync, openSync } from 'node:fs';
import { HEAD_BYTES, prefixHash, readRange, type PrefixHash } from '../sessions/scan-file.js';
import { encodeEvents } from '../usage/event-codec.js';
import { bindEvents, ORIGIN_KEYS, type FileId, type FileOrigin, type FileWarnings, type ScanSlot, type UsageEvent } from '../usage/types.js';
import type { LedgerStore } from './store.js';
import type { FileEntry, StoredFile } from './file-log.js';


/** Meta key: the last generation that removed events or moved a file (see view.ts). */
export const RESET_KEY = 'reset_generation';

/**
 * Bump when parsing rules or the fingerprint change: every file on disk is then read again.
 * 2: lines that cannot be a record count as skipped; impossible counts and times; a digest of the
 * whole consumed prefix as its fingerprint.
 */
export const PARSER_VERSION = '2';

type Action =
  | { kind: 'unchanged'; stored: FileEntry; found: FoundFile }
  | { kind: 'relabel'; stored: FileEntry; found: FoundFile }
  | { kind: 'append'; stored: FileEntry; found: FoundFile; renamed: boolean }
  | { kind: 'reread'; stored: FileEntry | null; found: FoundFile }
  | { kind: 'gone'; stored: FileEntry }
  | { kind: 'retire'; stored: FileEntry };

type Fingerprint = (id: number) => { head: Buffer; tail: Buffer };

function headOf(path: string, checkpoint: number): Buffer {
  return readRange(path, 0, Math.min(HEAD_BYTES, checkpoint)) ?? Buffer.alloc(0);
}

function tailOf(path: string, checkpoint: number): PrefixHash | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    return prefixHash(fd, checkpoint);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * The bytes we read before are still there: the file only grew (or is the same file renamed). The
 * digest made of them is kept in `prefixes` by path, for the scan of what follows to carry on.
 */
function sameContent(path: string, s: FileEntry, size: number, fingerprint: Fingerprint, prefixes?: Map<string, PrefixHash>): boolean {
  if (size < s.checkpoint) return false;
  const was = fingerprint(s.id);
  if (!headOf(path, s.checkpoint).equals(was.head)) return false;
  const prefix = tailOf(path, s.checkpoint);
  if (!prefix || prefix.at !== s.checkpoint || !prefix.hash.copy().digest().equals(was.tail)) return false;
  prefixes?.set(path, prefix);
  return true;
}

export function sameOrigin(a: FileOrigin, b: FileOrigin): boolean {
  for (const k of ORIGIN_KEYS) if (a[k] !== b[k]) return false;
  return true;
}

/** `prefixes`: receives, by path, the digest of the bytes read before of each file found to have grown. */
export function plan(known: readonly FileEntry[], found: readonly FoundFile[], scopeDirs: ReadonlySet<string>, reparse: boolean, fingerprint: Fingerprint, prefixes?: Map<string, PrefixHash>): Action[] {
  const byPath = new Map<string, FileEntry>();
  for (const s of known) byPath.set(s.path, s);
  // Only needed when a file is not where a stored one was (most runs: never), so made on first need.
  let byInodeMap: Map<string, FileEntry[]> | null = null;
  const byInode = () => {
    if (byInodeMap) return byInodeMap;
    const foundPaths = new Set(found.map((f) => f.origin.path));
    byInodeMap = new Map();
    for (const s of known) {
      if (foundPaths.has(s.path)) continue; // only files missing from their old path can have moved
      const k = `${s.dev}:${s.ino}`;
      byInodeMap.set(k, [...(byInodeMap.get(k) ?? []), s]);
    }
    return byInodeMap;
  };
  const matched = new Set<number>();
  const actions: Action[] = [];
  for (const f of found) {
    let s = byPath.get(f.origin.path) ?? null;
    let renamed = false;
    if (s && !s.present && !sameContent(f.origin.path, s, f.size, fingerprint)) {
      // Another file where a deleted one was: the deleted one's events stay, under its row.
      actions.push({ kind: 'retire', stored: s });
      matched.add(s.id);
      s = null;
    }
    if (!s) {
      // An empty fingerprint (nothing read yet) proves nothing: a reused inode is then a new file.
      const moved = (byInode().get(`${f.dev}:${f.ino}`) ?? []).find((c) => !matched.has(c.id) && c.checkpoint > 0 && sameContent(f.origin.path, c, f.size, fingerprint, prefixes));
      if (moved) {
        s = moved;
        renamed = true;
      }
    }
    if (!s) {
      actions.push({ kind: 'reread', stored: null, found: f });
      continue;
    }
    matched.add(s.id);
    if (reparse || s.dev !== f.dev || s.ino !== f.ino) {
      actions.push({ kind: 'reread', stored: s, found: f });
    } else if (!renamed && s.present && f.size === s.size && f.mtimeMs === s.mtimeMs && s.warnings.error === null) {
      // Same bytes; its attribution may still have changed (container metadata written or edited).
      actions.push({ kind: sameOrigin(f.origin, s.origin) ? 'unchanged' : 'relabel', stored: s, found: f });
    } else if (renamed || sameContent(f.origin.path, s, f.size, fingerprint, prefixes)) {
      actions.push({ kind: 'append', stored: s, found: f, renamed });
    } else {
      actions.push({ kind: 'reread', stored: s, found: f });
    }
  }
  for (const s of known) if (s.present && !matched.has(s.id) && scopeDirs.has(s.dataDir)) actions.push({ kind: 'gone', stored: s });
  return actions;
}

/**
 * The ledger's files as a sync of this process left them, with the place of each by id and by path.
 * The next sync plans from them while the ledger is still at their generation; a sync told which
 * paths changed plans and updates only those, in place.
 */
export class KnownFiles {
  /** Made on first need (a report's single sync never needs them). */
  private places: { byId: Map<number, number>; byPath: Map<string, number> } | null = null;

  /** `generation` -1: being changed (a sync that fails half way leaves them so, and they are not used). */
  constructor(
    public generation: number,
    readonly entries: FileEntry[],
  ) {}

  atPath(path: string): FileEntry | undefined {
    const i = this.index().byPath.get(path);
    return i === undefined ? undefined : this.entries[i];
  }

  put(e: FileEntry): void {
    const { byId, byPath } = this.index();
    const i = byId.get(e.id);
    if (i === undefined) {
      const at = this.entries.push(e) - 1;
      byId.set(e.id, at);
      byPath.set(e.path, at);
      return;
    }
    const was = this.entries[i]!;
    if (was.path !== e.path && byPath.get(was.path) === i) byPath.delete(was.path);
    this.entries[i] = e;
    byPath.set(e.path, i);
  }

  private index(): NonNullable<KnownFiles['places']> {
    if (!this.places) {
      this.places = { byId: new Map(), byPath: new Map() };
      this.entries.forEach((e, i) => {
        this.places!.byId.set(e.id, i);
        this.places!.byPath.set(e.path, i);
      });
    }
    return this.places;
  }
}

/** The paths a live view was told may have changed, and those files as found now. */
export interface Narrow {
  paths: ReadonlySet<string>;
  found: readonly FoundFile[];
}

export interface SyncResult {
  /** The generation this sync made (or found, when it changed nothing). */
  generation: number;
  bytesRead: number;
  /** Every file of the ledger as of `generation`. */
  catalog: readonly FileEntry[];
  /** The same, for the next sync of this process. */
  known: KnownFiles;
  /** The generation this sync's changes were made on (`generation` when it changed nothing): when it is the caller's last, nothing else wrote between. */
  base: number;
  /** The files this sync changed in the ledger, as they are now (a live view updates only those). */
  touched: readonly FileEntry[];
}

/** Receives the events a sync has just read, file by file, as they come (from byte `start`: 0 when the whole file was read). */
export type OnFresh = (fileId: FileId, origin: FileOrigin, events: UsageEvent<FileId>[], start: number) => void;

function entryOf(f: StoredFile): FileEntry {
  const { head: _head, tail: _tail, ...entry } = f;
  return entry;
}

/**
 * `last`: the files as a sync of this process left them; used instead of reading them again while
 * the generation is still theirs. `only`: the only files that may have changed since (a live view
 * told by file-system events); then only those are planned and updated in `last`, while it holds.
 */
export async function syncLedger(
  store: LedgerStore,
  found: readonly FoundFile[],
  dataDirs: readonly string[],
  onFresh: OnFresh = () => {},
  threads?: number,
  last?: KnownFiles,
  only?: Narrow | null,
): Promise<SyncResult> {
  store.beginSync();
  const scope = new Set(dataDirs);
  const reparse = () => store.meta('parser_version') !== PARSER_VERSION;
  const fingerprint: Fingerprint = (id) => store.log.fingerprint(id);
  let bytesRead = 0;
  const touched: FileEntry[] = [];
  let base = -1;
  // The digests made while planning, so that the scans of grown files hash only their new bytes.
  const prefixes = new Map<string, PrefixHash>();
  // The files and the generation they belong to, read together.
  let [generation, known] = store.db.transaction(() => {
    const g = store.generation();
    return [g, last?.generation === g ? last.entries : store.log.catalog()] as const;
  })();
  const firstReparse = reparse();
  let result = last && known === last.entries ? last : null;
  const first =
    only && result && !firstReparse
      ? plan([...only.paths].flatMap((p) => result!.atPath(p) ?? []), only.found, scope, false, fingerprint, prefixes)
      : plan(known, found, scope, firstReparse, fingerprint, prefixes);
  if (first.some((a) => a.kind !== 'unchanged')) {
    await store.exclusive(async () => {
      // Another process may have changed the ledger while we waited for the lock: then plan again
      // (else the plan stands: planning 7,000 files again cost ~25-40 ms of every run that read anything).
      let actions = first;
      if (store.generation() !== generation || reparse() !== firstReparse) {
        known = store.log.catalog();
        prefixes.clear();
        actions = plan(known, found, scope, reparse(), fingerprint, prefixes);
        result = null;
      }
      // Kept up to date with what this sync writes, so the caller need not read every file again:
      // the files it planned from, changed in place (marked as being changed until done), or anew.
      const into = result ?? new KnownFiles(-1, [...known]);
      into.generation = -1;
      const put = (e: FileEntry) => {
        into.put(e);
        touched.push(e);
      };
      // Paths given up first: the new files' rows take them.
      for (const a of actions)
        if (a.kind === 'retire') {
          const path = store.log.retirePath(a.stored.id, a.stored.path);
          put({ ...a.stored, path, origin: { ...a.stored.origin, path }, warnings: { ...a.stored.warnings, path } });
        }
      base = store.generation();
      const gen = base + 1;
      // Events taken away, or a file's place changed (dedup ties look at paths): rollups kept from
      // before this generation cannot be brought up to date by adding the new events alone.
      let reset = actions.some((a) => a.kind === 'relabel' || a.kind === 'retire' || (a.kind === 'append' && a.renamed));
      const work = actions.filter((a): a is Extract<Action, { kind: 'append' | 'reread' }> => a.kind === 'append' || a.kind === 'reread');
      const jobs: ScanJob[] = work.map((a, i) => {
        const start = a.kind === 'append' ? a.stored.checkpoint : 0;
        const prefix = a.kind === 'append' ? prefixes.get(a.found.origin.path) : undefined;
        return { path: a.found.origin.path, fileIndex: i as ScanSlot, subagentFile: a.found.origin.subagentFile, start, bytes: Math.max(0, a.found.size - start), fingerprint: true, prefix: prefix?.at === start ? prefix : undefined };
      });
      await scanMany(
        jobs,
        (i, scan) => {
          const a = work[i]!;
          const start = jobs[i]!.start;
          const f = a.found;
          const before = a.stored;
          bytesRead += Math.max(0, scan.endOffset - start);
          if (scan.warnings.error && before) {
            // Unreadable now: keep what was counted (and the fingerprint it was counted from), remember why.
            store.log.markUnreadable(before.id, f.origin.path, scan.warnings.error);
            const path = f.origin.path;
            put({ ...before, path, present: true, origin: { ...before.origin, path }, warnings: { ...before.warnings, path, error: scan.warnings.error } });
            return;
          }
          const base = a.kind === 'append' ? before!.warnings : null;
          const warnings: FileWarnings = {
            path: f.origin.path,
            malformed: (base?.malformed ?? 0) + scan.warnings.malformed,
            invalid: (base?.invalid ?? 0) + scan.warnings.invalid,
            partialTail: scan.warnings.partialTail,
            error: scan.warnings.error,
          };
          const saved = {
            id: before?.id,
            path: f.origin.path,
            dataDir: f.origin.dataDir,
            dev: f.dev,
            ino: f.ino,
            // The scan took its fingerprint from the same open file it read.
            head: scan.head,
            tail: scan.tail,
            size: scan.size,
            mtimeMs: f.mtimeMs,
            checkpoint: scan.endOffset,
            present: true,
            origin: f.origin,
            warnings,
          };
          const id = store.log.saveFile(saved);
          put(entryOf({ ...saved, id }));
          if (a.kind === 'reread' && store.log.clearSegments(id) > 0) reset = true;
          if (scan.events.length > 0) store.log.addSegment(id, start, scan.endOffset, scan.encoded ?? encodeEvents(scan.events), gen);
          onFresh(id as FileId, f.origin, bindEvents(scan.events, id as FileId), start);
        },
        { threads },
      );
      for (const a of actions) {
        if (a.kind === 'gone') {
          store.log.setPresent(a.stored.id, false);
          put({ ...a.stored, present: false });
        } else if (a.kind === 'relabel') {
          store.log.setOrigin(a.stored.id, a.found.origin);
          put({ ...a.stored, origin: a.found.origin });
        }
      }
      store.setMeta('parser_version', PARSER_VERSION);
      if (reset) store.setMeta(RESET_KEY, String(gen));
      if (actions.some((a) => a.kind !== 'unchanged')) store.bumpGeneration();
      generation = store.generation();
      result = into;
    });
    // Committed: the files hold as of this generation.
    result!.generation = generation;
  }
    if (!result || result.generation !== generation) result = new KnownFiles(generation, [...known]);
  return { generation, bytesRead, catalog: result.entries, known: result, touched, base: base === -1 ? generation : base };
}
