/**
 * What reports read: the rollup rows of a set of data folders, from the ledger (default) or from a
 * full scan of the files (--no-ledger). Both give the same numbers for the same files, to the last
 * digit: rows come in one order (canonicalRowOrder), whichever way they were made. The ledger's rows
 * are kept as they are, brought up to date with events only added since, or rebuilt.
 */
import { discover, type DirListing, type Discovery, type ListingCache } from '../sessions/discover.js';
import { loadUsage } from '../sessions/load.js';
import { bindRows, canonicalRowOrder, mergeRows, reboundRow, rollup, type RollupRow } from '../usage/aggregate.js';
import type { CopyRank } from '../usage/dedup.js';
import type { SeenStats } from '../sessions/recent-stats.js';
import { RunningRollup } from '../usage/running-rollup.js';
import { decodeRows, encodeRows } from '../usage/rollup-codec.js';
import {
  addToWinners, buildIndex, hashId, decodeFileWinners, encodeFileWinners, encodeWinnerList, keptEvents, type EncodedFileWinners, type FileWinners,
} from '../usage/winners.js';
import { decodeEvents } from '../usage/event-codec.js';
import { activePrices } from '../usage/prices-file.js';
import type { Pricing } from '../usage/pricing.js';
import { bindEvents, type FileId, type FileOrigin, type FilePos, type FileWarnings, type UsageEvent } from '../usage/types.js';
import type { LedgerStore } from './store.js';
import type { FileEntry } from './file-log.js';
import type { RollupHead, RollupSave } from './rollup-tables.js';
import { KnownFiles, RESET_KEY, sameOrigin, syncLedger, type Narrow, type SyncResult } from './sync.js';

export interface LedgerInfo {
  path: string;
  /** Files in the ledger for these data folders, and how many of those holding usage are gone from disk. */
  files: number;
  filesGone: number;
  eventsFromGoneFiles: number;
  bytesRead: number;
  /** How the rollup rows came: kept from an earlier run, updated with new events only, or rebuilt from all; a replayed report's were not touched. */
  rollups: 'kept' | 'updated' | 'rebuilt' | 'replayed';
}

export interface UsageView {
  files: FileOrigin[];
  rows: RollupRow[];
  warnings: FileWarnings[];
  ledger: LedgerInfo | null;
  /** What the view was built from (ledger views only): lets a finished report be replayed while it holds. */
  basis?: ViewBasis;
  /**
   * A live round's rows as a change from the round before (`of`): its rows but `removed`, and
   * `added`, with every file in the same place. Such a view's `rows` are made on first reading, and
   * only until the next round (they come from the live state, which the next round updates).
   */
  delta?: RowDelta;
}

export interface RowDelta {
  of: UsageView;
  removed: readonly RollupRow[];
  added: readonly RollupRow[];
  /** The ledger files whose counted responses changed (gained, or lost to a better copy elsewhere). */
  files: readonly FileId[];
}

export interface ViewBasis {
  generation: number;
  found: Discovery;
  /** Ledger file id of each place in the view's `files`. */
  fileIds: readonly number[];
}

/** The key the ledger keeps a set of data folders' rollups under. */
export function scopeKeyOf(dirs: readonly string[]): string {
  return JSON.stringify([...dirs].sort());
}

export async function viewFromFiles(dirs: readonly string[], pricing: Pricing, threads?: number): Promise<UsageView> {
  const loaded = await loadUsage(dirs, threads);
  return { files: loaded.files, rows: rollup(loaded.events, loaded.files, pricing).sort(canonicalRowOrder), warnings: loaded.warnings, ledger: null };
}

type StoredListing = [string, number, number, DirListing['entries']];

/** Listings are stored in this many chunks, by a hash of the folder's path. */
const LISTING_CHUNKS = 64;
const chunkOf = (dir: string) => hashId(dir) % LISTING_CHUNKS;

/** Folder listings of the last walk of these data folders; they spare reading folders that did not change. */
function loadListings(store: LedgerStore, scopeKey: string): ListingCache {
  const cache: ListingCache = new Map();
  for (const text of store.listings.chunks(scopeKey))
    for (const [dir, mtimeMs, listedAt, entries] of JSON.parse(text) as StoredListing[]) cache.set(dir, { mtimeMs, listedAt, entries });
  return cache;
}

/** Rewrites the chunks holding a folder whose listing was read again, appeared or went. */
function saveListings(store: LedgerStore, scopeKey: string, before: ListingCache, after: ListingCache): void {
  const changed = new Set<number>();
  for (const [dir, l] of after) if (before.get(dir) !== l) changed.add(chunkOf(dir));
  for (const dir of before.keys()) if (!after.has(dir)) changed.add(chunkOf(dir));
  if (changed.size === 0) return;
  const rows = new Map<number, StoredListing[]>([...changed].map((c) => [c, []]));
  for (const [dir, l] of after) rows.get(chunkOf(dir))?.push([dir, l.mtimeMs, l.listedAt, l.entries]);
  store.listings.save(scopeKey, new Map([...rows].map(([c, list]) => [c, list.length ? JSON.stringify(list) : null])));
}

/**
 * The live state of a long-running process: its last view's rows, file by file, with the files in
 * scope and their places, as of the generation their rollups were saved at. While nobody else
 * writes to the ledger, a round updates the rows of the files whose counted events changed and
 * hands on the change (viewFromLedger's `delta`); else a round starts from the rows it holds
 * instead of reading and decoding every stored row. A round changes it in place.
 */
export interface RowMemory {
  generation: number;
  priceHash: string;
  /** Ledger file id of each place the rows are bound to. */
  ids: FileId[];
  /** The rows of each file, bound to its place. */
  byFile: Map<FileId, RollupRow[]>;
  /** The ledger's files as the last sync left them (the next plans from them when nothing else wrote since). */
  known: KnownFiles;
  /** The files in scope, by place; their origins; their places by id; origins by ledger file id. */
  inScope: FileEntry[];
  files: FileOrigin[];
  position: Map<FileId, FilePos>;
  origins: FileOrigin[];
  /** Places of gone files holding usage, and the events of their rows. */
  gone: ReadonlySet<FilePos>;
  goneEvents: number;
  /** The present files' warnings worth telling, in place order. */
  warnings: FileWarnings[];
}

/** What a long-running process hands to each view after its first (ledger/live-view.ts). */
export interface LiveInputs {
  /** The files as found now, when no folder needed walking. */
  found?: Discovery;
  /** With `found`: the only files that may have changed since the last view (else any). */
  changed?: Narrow | null;
  memory?: RowMemory | null;
  /** Receives the live state of this view for the next one (not called when the round only updated `memory`). */
  keep?: (memory: RowMemory) => void;
  /** The last view, which a round that only updated `memory` describes its change from. */
  last?: UsageView | null;
  /** For a walk: the folder listings of this process's last one (else the ledger's are read). */
  listings?: ListingCache;
}

/** The session files found in `dirs`, with the ledger's cached folder listings (which it keeps up to date). */
function discoverWith(store: LedgerStore, dirs: readonly string[], scopeKey: string, listings?: ListingCache, seen?: SeenStats): Discovery {
  const cache = listings ?? loadListings(store, scopeKey);
  const found = discover(dirs, undefined, cache, seen);
  saveListings(store, scopeKey, cache, found.listings);
  return found;
}

/**
 * The ledger's log brought up to date with the session files, and nothing more: no rollups, no view
 * (fleet sync pushes from the log; the next report brings the rollups up to date from it).
 */
export async function catchUpLedger(store: LedgerStore, dirs: readonly string[], seen?: SeenStats): Promise<void> {
  await syncLedger(store, discoverWith(store, dirs, scopeKeyOf(dirs), undefined, seen).files, dirs);
}

export async function viewFromLedger(store: LedgerStore, dirs: readonly string[], pricing: Pricing, threads?: number, seen?: SeenStats, live: LiveInputs = {}): Promise<UsageView> {
  const scopeKey = scopeKeyOf(dirs);
  const found = live.found ?? discoverWith(store, dirs, scopeKey, live.listings, seen);
  // Files the sync reads whole go straight into a running dedup and rollup, so that memory holds
  // winners' ranks and rows, never every event (files it read from a checkpoint are counted from the
  // ledger, if all has to be counted again).
  // Origins by ledger file id: dedup's ties look at their host and path, rollups at their sessions.
  const origins: FileOrigin[] = [];
  const running = new RunningRollup(origins, pricing);
  const sync = await syncLedger(
    store,
    found.files,
    dirs,
    (id, origin, events, start) => {
      origins[id] = origin;
      if (start === 0) running.addFile(id, events);
    },
    threads,
    live.memory?.known,
    live.found ? live.changed : null,
  );
  const problems: FileWarnings[] = found.problems.map((p) => ({ path: p.path, malformed: 0, invalid: 0, partialTail: false, error: p.error }));
  const hash = activePrices().hash;
  // One read transaction: the generation, the files and the events seen all belong to one state
  // of the ledger, whatever other processes write meanwhile.
  const memory = live.memory?.priceHash === hash ? live.memory : null;
  const built = store.db.transaction(() =>
    (memory && live.last && liveDelta(store, scopeKey, dirs, pricing, sync, memory, live.last)) || buildRollups(store, scopeKey, dirs, pricing, hash, sync, running, origins, memory),
  )();
  // A live state being changed is marked so (generation -1) until its rollups are saved: if anything
  // fails in between, the next round starts again from the stored rows.
  if (built.save) store.rollups.save(scopeKey, built.save);
  const ledger: LedgerInfo = {
    path: store.path,
    files: built.files.length,
    filesGone: built.filesGone,
    eventsFromGoneFiles: built.goneEvents,
    bytesRead: sync.bytesRead,
    rollups: built.how,
  };
  const base = { files: built.files, warnings: [...problems, ...built.warnings], ledger, basis: { generation: built.generation, found, fileIds: built.ids } };
  if ('delta' in built) {
    memory!.generation = built.generation;
    memory!.known = sync.known;
    return deltaView(base, built.delta, memory!.byFile);
  }
  const rows = built.rows.sort(canonicalRowOrder);
  if (live.keep) live.keep(memoryOf(built, hash, origins, sync.generation === built.generation ? sync.known : new KnownFiles(built.generation, [...built.catalog])));
  return { ...base, rows };
}

/** The live state a full round leaves (origins: by ledger file id, as the round made them). */
function memoryOf(built: Built, priceHash: string, origins: FileOrigin[], known: KnownFiles): RowMemory {
  const byFile = new Map<FileId, RollupRow[]>();
  for (const r of built.rows) {
    const id = built.ids[r.fileIndex]!;
    let list = byFile.get(id);
    if (!list) byFile.set(id, (list = []));
    list.push(r);
  }
  return {
    generation: built.generation,
    priceHash,
    ids: [...built.ids],
    byFile,
    known,
    inScope: [...built.inScope],
    files: built.files,
    position: new Map(built.ids.map((id, i) => [id, i as FilePos])),
    origins,
    gone: built.gone,
    goneEvents: built.goneEvents,
    warnings: built.warnings,
  };
}

/**
 * A live round while nobody else wrote to the ledger since the last and no file came, went, moved
 * or changed its attribution: only the rows of files whose counted events changed are made again,
 * and the view says which rows went and came. Null when that does not hold (a full round then).
 */
function liveDelta(store: LedgerStore, scopeKey: string, dirs: readonly string[], pricing: Pricing, sync: SyncResult, memory: RowMemory, last: UsageView): (Omit<Built, 'rows'> & { delta: RowDelta }) | null {
  const generation = store.generation();
  const head = store.rollups.head(scopeKey);
  if (!head || head.generation !== memory.generation || head.priceHash !== memory.priceHash || sync.base !== memory.generation || sync.generation !== generation) return null;
  if (generation !== head.generation && head.generation < Number(store.meta(RESET_KEY) ?? 0)) return null;
  const scope = new Set(dirs);
  const mine = sync.touched.filter((e) => scope.has(e.dataDir));
  const newFiles: FileEntry[] = [];
  for (const e of mine) {
    const at = memory.position.get(e.id);
    if (at === undefined && e.present) newFiles.push(e);
    else if (at === undefined || !e.present || !memory.inScope[at]!.present || !sameOrigin(e.origin, memory.inScope[at]!.origin)) return null;
  }
  // A new file takes the next place: the others keep theirs, so their rows stand (a full round puts
  // the files in path order again). New arrays, since earlier views hold the old ones.
  if (newFiles.length > 0) {
    memory.ids = [...memory.ids, ...newFiles.map((e) => e.id)];
    memory.files = [...memory.files, ...newFiles.map((e) => e.origin)];
    for (const e of newFiles) {
      memory.position.set(e.id, memory.inScope.length as FilePos);
      memory.inScope.push(e);
      memory.origins[e.id] = e.origin;
    }
  }
  const same = { generation, catalog: sync.catalog, files: memory.files, ids: memory.ids, filesGone: memory.gone.size };
  if (generation === head.generation) return { ...same, how: 'kept', warnings: memory.warnings, goneEvents: memory.goneEvents, inScope: memory.inScope, gone: memory.gone, delta: { of: last, removed: [], added: [], files: [] } };
  memory.generation = -1;
  let warned = false;
  for (const e of mine) {
    const at = memory.position.get(e.id)!;
    warned ||= worthTelling(e.warnings) || worthTelling(memory.inScope[at]!.warnings);
    memory.inScope[at] = e;
    memory.files[at] = e.origin;
    memory.origins[e.id] = e.origin;
  }
  const up = updateRollups(store, scopeKey, head, generation, head.priceHash, memory.position, memory.origins, memory.files, memory.inScope, pricing, (id) => memory.byFile.get(id) ?? [], LIVE_FOLD_CHANGES);
  // Only the rows that are not the same objects as before went or came.
  const removed: RollupRow[] = [];
  const fresh: RollupRow[] = [];
  for (const id of up.changed) {
    const now = up.next.get(id) ?? [];
    const kept = new Set(now);
    const before = memory.byFile.get(id) ?? [];
    const was = new Set(before);
    for (const r of before) if (!kept.has(r)) removed.push(r);
    for (const r of now) if (!was.has(r)) fresh.push(r);
    if (now.length) memory.byFile.set(id, now);
    else memory.byFile.delete(id);
  }
  const eventsIn = (rows: readonly RollupRow[]) => rows.reduce((n, r) => n + (memory.gone.has(r.fileIndex) ? r.events : 0), 0);
  memory.goneEvents += eventsIn(fresh) - eventsIn(removed);
  if (warned) memory.warnings = warningsOf(memory.inScope);
  return { ...same, how: 'updated', warnings: memory.warnings, goneEvents: memory.goneEvents, inScope: memory.inScope, gone: memory.gone, save: up.save, delta: { of: last, removed, added: fresh, files: [...up.changed] } };
}

/**
 * A live round's view, whose rows are made from the live state on first reading. Made out here so
 * that the getter holds only the rows by file: a closure made inside viewFromLedger held the whole
 * round (its rollup, its inputs, the view before, and so every view before that).
 */
function deltaView(base: Omit<UsageView, 'rows' | 'delta'>, delta: RowDelta, byFile: ReadonlyMap<FileId, RollupRow[]>): UsageView {
  let rows: RollupRow[] | null = null;
  return Object.defineProperty({ ...base, delta }, 'rows', { enumerable: true, get: () => (rows ??= [...byFile.values()].flat().sort(canonicalRowOrder)) }) as unknown as UsageView;
}

interface Built {
  generation: number;
  how: LedgerInfo['rollups'];
  files: FileOrigin[];
  /** Ledger file id of each place in `files`. */
  ids: readonly FileId[];
  /** Every file of the ledger as of `generation` (what the next live round plans from). */
  catalog: readonly FileEntry[];
  /** The files in scope, by place. */
  inScope: readonly FileEntry[];
  rows: RollupRow[];
  warnings: FileWarnings[];
  filesGone: number;
  goneEvents: number;
  /** Places of gone files holding usage. */
  gone: ReadonlySet<FilePos>;
  save?: RollupSave;
}

/** Runs inside one read transaction. */
function buildRollups(
  store: LedgerStore,
  scopeKey: string,
  dirs: readonly string[],
  pricing: Pricing,
  hash: string,
  sync: SyncResult,
  running: RunningRollup,
  origins: FileOrigin[],
  memory: RowMemory | null,
): Built {
  const generation = store.generation();
  const head = store.rollups.head(scopeKey);
  const scope = new Set(dirs);
  // The sync's account of the files holds unless another process has changed the ledger since.
  const catalog = sync.generation === generation ? sync.catalog : store.log.catalog();
  const inScope = filesInScope(catalog, scope, memory);
  for (const s of inScope) origins[s.id] = s.origin;
  const files = inScope.map((s) => s.origin);
  const position = new Map(inScope.map((s, i) => [s.id, i as FilePos]));
  // The rows kept in memory are the stored ones while the stored rollups are still those it saved.
  const ids = inScope.map((s) => s.id);
  const rowsBut = (skip: ReadonlySet<number>) =>
    memory && head && memory.generation === head.generation ? rowsFromMemory(memory, ids, position, skip) : storedRows(store, scopeKey, position, skip);
  if (head && head.priceHash === hash && head.generation === generation) {
    const rows = rowsBut(new Set());
    if (rows) return finish(store, generation, 'kept', catalog, inScope, files, rows);
  }
  // Rows kept from an earlier generation can be brought up to date when events were only added since.
  const reset = Number(store.meta(RESET_KEY) ?? 0);
  if (head && head.priceHash === hash && head.generation < generation && head.generation >= reset) {
    const all = rowsBut(new Set());
    if (all) {
      const byFile = new Map<FileId, RollupRow[]>();
      for (const r of all) {
        const id = inScope[r.fileIndex]!.id;
        let list = byFile.get(id);
        if (!list) byFile.set(id, (list = []));
        list.push(r);
      }
      const updated = updateRollups(store, scopeKey, head, generation, hash, position, origins, files, inScope, pricing, (id) => byFile.get(id) ?? []);
      const rows = all.filter((r) => !updated.changed.has(inScope[r.fileIndex]!.id));
      for (const list of updated.next.values()) for (const r of list) rows.push(r);
      return finish(store, generation, 'updated', catalog, inScope, files, rows, updated.save);
    }
  }
  // Everything again: the files this run's sync read whole are counted already (unless another
  // process changed the ledger in between: then all comes from the ledger), the rest from the ledger.
  const r = sync.generation === generation ? running : new RunningRollup(origins, pricing);
  const fromLedger = new Set(inScope.filter((s) => !r.has(s.id)).map((s) => s.id));
  for (const { fileId, events } of store.log.segmentsByFile(fromLedger)) r.addFile(fileId, events.flatMap((e) => decodeEvents(e, fileId)));
  for (const id of [...r.staleFiles()]) r.recount(id, storedEvents(store, id));
  const rows: RollupRow[] = [];
  for (const [id, fileRows] of r.rowsByFile()) {
    const at = position.get(id);
    if (at === undefined) continue; // a file outside these data folders
    for (const row of bindRows(fileRows, at)) rows.push(row);
  }
  const winners = r.winnerIdsByFile();
  for (const id of winners.keys()) if (!position.has(id)) winners.delete(id);
  const index = buildIndex(indexEntries(winners), r.winnerCount);
  const save: RollupSave = {
    generation,
    priceHash: hash,
    basedOn: 'any-older',
    files: filesToSave(rows, (id) => encodeWinnerList(winners.get(id) ?? [], (m) => r.rankOf(m)), inScope, new Set(winners.keys())),
    index: { base: index, changes: new BigUint64Array(1) },
  };
  return finish(store, generation, 'rebuilt', catalog, inScope, files, rows, save);
}

/**
 * The files of these data folders in path order (their places in the view). The order kept in memory
 * is checked rather than sorted again while the same files are there: sorting 7,000 paths was the
 * largest part of a live round's own work.
 */
function filesInScope(catalog: readonly FileEntry[], scope: ReadonlySet<string>, memory: RowMemory | null): FileEntry[] {
  const mine = catalog.filter((s) => scope.has(s.dataDir));
  if (memory && memory.ids.length === mine.length) {
    const byId = new Map(mine.map((s) => [s.id, s]));
    const ordered = memory.ids.map((id) => byId.get(id));
    if (ordered.every((s, i) => s !== undefined && (i === 0 || ordered[i - 1]!.path < s.path))) return ordered as FileEntry[];
  }
  return mine.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every event the ledger holds for one file, in offset order. */
function storedEvents(store: LedgerStore, fileId: FileId): UsageEvent<FileId>[] {
  return store.log.segmentsOf(fileId).flatMap((seg) => decodeEvents(seg.events, fileId));
}

function* indexEntries(winners: ReadonlyMap<number, readonly string[]>): Generator<[string, number]> {
  for (const [fileId, ids] of winners) for (const id of ids) yield [id, fileId];
}

/**
 * Rows kept in memory of every file but `skip`, bound to the files' places now: the same objects
 * while no file came or went (the common case: files grew), else copies bound anew; null if they
 * name a file not in scope.
 */
function rowsFromMemory(memory: RowMemory, ids: readonly FileId[], position: ReadonlyMap<FileId, FilePos>, skip: ReadonlySet<number>): RollupRow[] | null {
  const samePlaces = ids.length === memory.ids.length && ids.every((id, i) => memory.ids[i] === id);
  const rows: RollupRow[] = [];
  for (const [id, list] of memory.byFile) {
    if (skip.has(id)) continue;
    const at = position.get(id);
    if (at === undefined) return null;
    for (const r of list) rows.push(samePlaces ? r : reboundRow(r, at));
  }
  return rows;
}

/** Stored rows of every file but `skip`, bound to the files' places; null if they name a file not in scope. */
function storedRows(store: LedgerStore, scopeKey: string, position: ReadonlyMap<FileId, FilePos>, skip: ReadonlySet<number>): RollupRow[] | null {
  const rows: RollupRow[] = [];
  const stored = store.rollups.rows(scopeKey);
  for (const { fileId, rows: enc } of stored) {
    if (skip.has(fileId)) continue;
    const at = position.get(fileId);
    if (at === undefined) return null; // cannot happen (files never leave a scope); then start over
    decodeRows(enc, at, rows);
  }
  return rows;
}

/**
 * Rows and winners of the given files (and of any file the rows name), encoded for the ledger one
 * file at a time as the ledger takes them (all of them at once would be the peak of a first run).
 */
function filesToSave(rows: readonly RollupRow[], winnersOf: (fileId: FileId) => EncodedFileWinners, inScope: readonly FileEntry[], files: ReadonlySet<number>): RollupSave['files'] {
  const by = new Map<FileId, RollupRow[]>();
  for (const id of files) by.set(id as FileId, []);
  for (const r of rows) {
    const id = inScope[r.fileIndex]!.id;
    let list = by.get(id);
    if (!list) by.set(id, (list = []));
    list.push(r);
  }
  return (function* () {
    for (const [id, list] of by) {
      const w = winnersOf(id);
      yield [id, list.length === 0 && w.nums.length === 0 ? null : { rows: encodeRows(list), winners: w }] as const;
    }
  })();
}

/** Index changes kept apart from the stored index until there are this many (or an eighth of it). */
const FOLD_CHANGES = 20_000;
/**
 * A live process folds sooner: every round reads and writes all the changes kept apart, so they
 * cost every line that comes, while a fold costs once.
 */
const LIVE_FOLD_CHANGES = 2_000;

/**
 * The stored rows brought up to date with the segments added after their generation: new events are
 * deduplicated against the stored winners (only the files the index points their ids to are read),
 * and only files whose kept events changed get new rows. Null when the stored rows cannot be used.
 */
function updateRollups(
  store: LedgerStore,
  scopeKey: string,
  head: RollupHead,
  generation: number,
  hash: string,
  position: ReadonlyMap<FileId, FilePos>,
  origins: readonly FileOrigin[],
  files: readonly FileOrigin[],
  inScope: readonly FileEntry[],
  pricing: Pricing,
  rowsOf: (fileId: FileId) => readonly RollupRow[] | undefined,
  foldAt?: number,
): { changed: ReadonlySet<FileId>; next: Map<FileId, RollupRow[]>; save: RollupSave } {
  const added: UsageEvent<FileId>[] = [];
  for (const seg of store.log.segmentsSince(head.generation)) {
    if (!position.has(seg.fileId)) continue;
    for (const e of decodeEvents(seg.events, seg.fileId)) added.push(e); // a loop: a spread of a large segment overflows the stack
  }
  const winners = new Map<number, FileWinners>();
  const winnersOf = (fileId: number): FileWinners => {
    let w = winners.get(fileId);
    if (!w) {
      const enc = store.rollups.fileWinners(scopeKey, fileId);
      winners.set(fileId, (w = enc ? decodeFileWinners(enc, fileId) : new Map()));
    }
    return w;
  };
  const winnerOf = (id: string): CopyRank | undefined => {
    for (const f of head.index.candidates(id)) {
      const r = winnersOf(f).get(id);
      if (r) return r;
    }
    return undefined;
  };
  const { updates, changed } = addToWinners(winnerOf, added, origins);
  const removed: Array<[string, number]> = [];
  const moved: Array<[string, number]> = [];
  for (const [id, { rank, was }] of updates) {
    if (was) {
      winnersOf(was.fileIndex).delete(id);
      removed.push([id, was.fileIndex]);
    }
    winnersOf(rank.fileIndex).set(id, rank);
    moved.push([id, rank.fileIndex]);
  }
  // A file that lost a kept event gets all its rows again from its kept events (each row's events
  // come from one file). A file that only gained (the common case: a session grew) keeps its rows
  // with the rows of its new kept events summed in: no reading of all its events again.
  const lost = new Set<number>();
  for (const { was } of updates.values()) if (was) lost.add(was.fileIndex);
  const gained = new Map<FileId, UsageEvent<FilePos>[]>();
  for (const e of added) {
    if (!changed.has(e.fileIndex) || lost.has(e.fileIndex)) continue;
    const winner = e.messageId === null ? null : updates.get(e.messageId)?.rank;
    if (winner !== null && (winner?.fileIndex !== e.fileIndex || winner.offset !== e.offset)) continue;
    let list = gained.get(e.fileIndex);
    if (!list) gained.set(e.fileIndex, (list = []));
    list.push(bindEvents([e], position.get(e.fileIndex)!)[0]!);
  }
  const rowsNow = new Map<FileId, RollupRow[]>();
  const events: UsageEvent<FilePos>[] = [];
  // Ranks name files by ledger id here.
  for (const id of changed as ReadonlySet<number> as ReadonlySet<FileId>) {
    const at = position.get(id);
    if (at === undefined) continue;
    const before = lost.has(id) ? undefined : rowsOf(id);
    if (before) rowsNow.set(id, mergeRows(before, rollup(gained.get(id) ?? [], files, pricing)));
    else for (const e of bindEvents(keptEvents(storedEvents(store, id), winnersOf(id)), at)) events.push(e);
  }
  for (const r of rollup(events, files, pricing)) {
    const id = inScope[r.fileIndex]!.id;
    let list = rowsNow.get(id);
    if (!list) rowsNow.set(id, (list = []));
    list.push(r);
  }
  const fresh = [...rowsNow.values()].flat();
  // The index changes are kept apart from its base until they pile up.
  const next = head.index.with(removed, moved);
  const index = next.changeCount > (foldAt ?? Math.max(FOLD_CHANGES, next.base.length / 8)) ? { base: next.folded(), changes: new BigUint64Array(1) } : { base: null, changes: next.encodeChanges() };
  return {
    changed: changed as ReadonlySet<number> as ReadonlySet<FileId>,
    next: rowsNow,
    save: { generation, priceHash: hash, basedOn: head.generation, files: filesToSave(fresh, (id) => encodeFileWinners(winnersOf(id)), inScope, changed), index },
  };
}

function worthTelling(w: FileWarnings): boolean {
  return w.malformed > 0 || w.invalid > 0 || w.partialTail || w.error !== null;
}

/** The present files' warnings worth telling. */
function warningsOf(inScope: readonly FileEntry[]): FileWarnings[] {
  return inScope.filter((s) => s.present && worthTelling(s.warnings)).map((s) => s.warnings);
}

function finish(store: LedgerStore, generation: number, how: LedgerInfo['rollups'], catalog: readonly FileEntry[], inScope: readonly FileEntry[], files: FileOrigin[], rows: RollupRow[], save?: RollupSave): Built {
  // Gone files that hold counted usage (a deleted empty file is nothing to report).
  const gone = new Set<FilePos>();
  inScope.forEach((s, i) => {
    if (!s.present && store.log.hasSegments(s.id)) gone.add(i as FilePos);
  });
  let goneEvents = 0;
  for (const r of rows) if (gone.has(r.fileIndex)) goneEvents += r.events;
  return {
    generation,
    how,
    files,
    ids: inScope.map((s) => s.id),
    catalog,
    inScope,
    rows,
    gone,
    warnings: warningsOf(inScope),
    filesGone: gone.size,
    goneEvents,
    save,
  };
}
