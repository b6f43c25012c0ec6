/**
 * What reports read: the rollup rows of a set of data folders, from the ledger (default) or from a
 * full scan of the files (--no-ledger). Both give the same numbers for the same files.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { discover, type DirListing, type Discovery, type ListingCache } from '../sessions/discover.js';
import { loadUsage } from '../sessions/load.js';
import { rollup, type RollupRow } from '../usage/aggregate.js';
import { Deduper } from '../usage/dedup.js';
import { decodeEvents } from '../usage/event-codec.js';
import { PRICES_PATH } from '../usage/prices-file.js';
import type { Pricing } from '../usage/pricing.js';
import type { FileOrigin, FileWarnings, UsageEvent } from '../usage/types.js';
import type { LedgerStore } from './store.js';
import { syncLedger } from './sync.js';

export interface LedgerInfo {
  path: string;
  /** Files in the ledger for these data folders, and how many of those holding usage are gone from disk. */
  files: number;
  filesGone: number;
  eventsFromGoneFiles: number;
  bytesRead: number;
  fromCache: boolean;
}

export interface UsageView {
  files: FileOrigin[];
  rows: RollupRow[];
  warnings: FileWarnings[];
  ledger: LedgerInfo | null;
  /** What the view was built from (ledger views only): lets a finished report be replayed while it holds. */
  basis?: ViewBasis;
}

export interface ViewBasis {
  generation: number;
  found: Discovery;
}

/** Changes when prices or pricing rules change, so cached costs are recomputed. */
const PRICING_RULES_VERSION = '1';
let priceHash: string | null = null;
function pricingHash(): string {
  return (priceHash ??= createHash('sha1').update(PRICING_RULES_VERSION).update(readFileSync(PRICES_PATH)).digest('hex'));
}

export async function viewFromFiles(dirs: readonly string[], pricing: Pricing, threads?: number): Promise<UsageView> {
  const loaded = await loadUsage(dirs, threads);
  return { files: loaded.files, rows: rollup(loaded.events, loaded.files, pricing), warnings: loaded.warnings, ledger: null };
}

type RowTuple = [number, number, string, string, string | null, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

function toTuple(r: RollupRow): RowTuple {
  return [
    r.bucket, r.fileIndex, r.model, r.session, r.cwd, r.subagent ? 1 : 0, r.inputTokens, r.outputTokens, r.cacheCreationTokens,
    r.cacheReadTokens, r.totalTokens, r.costAuto, r.costCalculate, r.costDisplay, r.unpricedAuto ? 1 : 0, r.unpricedCalculate ? 1 : 0,
    r.events, r.firstTimestamp, r.lastTimestamp,
  ];
}

function fromTuple(t: RowTuple): RollupRow {
  return {
    bucket: t[0], fileIndex: t[1], model: t[2], session: t[3], cwd: t[4], subagent: t[5] === 1, inputTokens: t[6], outputTokens: t[7],
    cacheCreationTokens: t[8], cacheReadTokens: t[9], totalTokens: t[10], costAuto: t[11], costCalculate: t[12], costDisplay: t[13],
    unpricedAuto: t[14] === 1, unpricedCalculate: t[15] === 1, events: t[16], firstTimestamp: t[17], lastTimestamp: t[18],
  };
}

interface CachedView {
  fileIds: number[];
  files: FileOrigin[];
  warnings: FileWarnings[];
  filesGone: number;
  goneEvents: number;
  rows: RowTuple[];
}

type StoredListing = [string, number, number, DirListing['entries']];

/** Folder listings of the last walk of these data folders; they spare reading folders that did not change. */
function loadListings(store: LedgerStore, scopeKey: string): ListingCache {
  const text = store.listings(scopeKey);
  const cache: ListingCache = new Map();
  if (text === null) return cache;
  for (const [dir, mtimeMs, listedAt, entries] of JSON.parse(text) as StoredListing[]) cache.set(dir, { mtimeMs, listedAt, entries });
  return cache;
}

function saveListings(store: LedgerStore, scopeKey: string, before: ListingCache, after: ListingCache): void {
  let changed = before.size !== after.size;
  for (const [dir, l] of after) if (before.get(dir) !== l) changed = true;
  if (!changed) return;
  const rows: StoredListing[] = [...after].map(([dir, l]) => [dir, l.mtimeMs, l.listedAt, l.entries]);
  store.saveListings(scopeKey, JSON.stringify(rows));
}

export async function viewFromLedger(store: LedgerStore, dirs: readonly string[], pricing: Pricing, threads?: number): Promise<UsageView> {
  const scopeKey = JSON.stringify([...dirs].sort());
  const listings = loadListings(store, scopeKey);
  const found = discover(dirs, undefined, listings);
  saveListings(store, scopeKey, listings, found.listings);
  // Events read by the sync go straight into dedup (keyed by ledger file id for now), so that
  // memory holds the winners, never every record.
  const places: Array<{ host: string; path: string }> = [];
  const dedup = new Deduper(places);
  const sync = await syncLedger(
    store,
    found.files,
    dirs,
    (id, origin, events) => {
      places[id] = { host: origin.host, path: origin.path };
      for (const e of events) e.fileIndex = id;
      dedup.addAll(events);
    },
    threads,
  );
  const problems: FileWarnings[] = found.problems.map((p) => ({ path: p.path, malformed: 0, invalid: 0, partialTail: false, error: p.error }));
  const basis: ViewBasis = { generation: sync.generation, found };
  const hash = pricingHash();
  const info = (c: CachedView, fromCache: boolean): LedgerInfo => ({
    path: store.path,
    files: c.files.length,
    filesGone: c.filesGone,
    eventsFromGoneFiles: c.goneEvents,
    bytesRead: sync.bytesRead,
    fromCache,
  });
  const cached = store.rollupCache(scopeKey);
  if (sync.fresh.size === 0 && cached && cached.generation === sync.generation && cached.priceHash === hash) {
    const c = JSON.parse(cached.data) as CachedView;
    return { files: c.files, rows: c.rows.map(fromTuple), warnings: [...problems, ...c.warnings], ledger: info(c, true), basis };
  }
  const scope = new Set(dirs);
  const inScope = store
    .files()
    .filter((s) => scope.has(s.dataDir))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const s of inScope) places[s.id] = { host: s.origin.host, path: s.path };
  // The rest comes from the stored segments (but what this run has just read).
  const stored = new Set(inScope.filter((s) => sync.fresh.get(s.id) !== 0).map((s) => s.id));
  const isFresh = (id: number, start: number) => start >= (sync.fresh.get(id) ?? Infinity);
  const withEvents = new Set<number>();
  for (const seg of store.segments(stored, isFresh)) {
    withEvents.add(seg.fileId);
    dedup.addAll(decodeEvents(seg.events, seg.fileId));
  }
  const files = inScope.map((s) => s.origin);
  const indexOf = new Map(inScope.map((s, i) => [s.id, i]));
  // Gone files that hold counted usage (a deleted empty file is nothing to report).
  const gone = new Set(inScope.filter((s) => !s.present && withEvents.has(s.id)).map((s) => s.id));
  const events: UsageEvent[] = [];
  let goneEvents = 0;
  for (const e of dedup.events()) {
    const index = indexOf.get(e.fileIndex);
    if (index === undefined) continue; // a file outside these data folders
    if (gone.has(e.fileIndex)) goneEvents++;
    e.fileIndex = index;
    events.push(e);
  }
  const rows = rollup(events, files, pricing);
  const view: CachedView = {
    fileIds: inScope.map((s) => s.id),
    files,
    warnings: inScope.filter((s) => s.present).map((s) => s.warnings).filter((w) => w.malformed || w.invalid || w.partialTail || w.error),
    filesGone: gone.size,
    goneEvents,
    rows: rows.map(toTuple),
  };
  store.saveRollupCache(scopeKey, sync.generation, hash, JSON.stringify(view));
  return { files, rows, warnings: [...problems, ...view.warnings], ledger: info(view, false), basis };
}
