/**
 * The embedded store (SQLite, WAL): per-file checkpoints, each file's usage events (in segments, one
 * per read), each file's rollup rows and dedup winners with an index of the winners, folder listings
 * and finished reports. History outlives the transcripts: events of deleted files stay.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EncodedEvents } from '../usage/event-codec.js';
import type { EncodedRows } from '../usage/rollup-codec.js';
import { WinnerIndexView, type EncodedFileWinners, type WinnerIndex } from '../usage/winners.js';
import type { FileId, FileOrigin, FileWarnings } from '../usage/types.js';

import { SCHEMA_VERSION } from './schema-version.js';
import { FAULT_WORDS, ledgerFault, moveAside } from './faults.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  data_dir TEXT NOT NULL,
  dev INTEGER NOT NULL,
  ino INTEGER NOT NULL,
  size INTEGER NOT NULL,       -- size when last read
  mtime_ms REAL NOT NULL,
  checkpoint INTEGER NOT NULL, -- byte offset just past the last complete line read
  present INTEGER NOT NULL,    -- 0 once the file is gone from disk (its events stay)
  origin TEXT NOT NULL,        -- attribution (FileOrigin as JSON; from schema 3 without path and data_dir, the columns)
  malformed INTEGER NOT NULL,
  invalid INTEGER NOT NULL,
  partial_tail INTEGER NOT NULL,
  error TEXT
);
CREATE INDEX IF NOT EXISTS files_inode ON files (dev, ino);
-- Schema 3: kept apart from files (read on every run) since only a changed file's are ever read.
CREATE TABLE IF NOT EXISTS fingerprints (
  file_id INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
  head BLOB NOT NULL,          -- the first bytes of the file, as last read
  tail BLOB NOT NULL           -- from parser version 2, a SHA-1 of every byte before the checkpoint
);
CREATE TABLE IF NOT EXISTS segments (
  file_id INTEGER NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  count INTEGER NOT NULL,
  nums BLOB NOT NULL,
  strs TEXT NOT NULL,
  gen INTEGER NOT NULL DEFAULT 0, -- ledger generation that added it (schema 3)
  PRIMARY KEY (file_id, start)
);
CREATE TABLE IF NOT EXISTS rollups (
  scope TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  price_hash TEXT NOT NULL,
  data TEXT NOT NULL,  -- schema 1-2: every row as JSON; schema 3: unused (rows are in rollup_files)
  winner_changes BLOB  -- schema 3: winners' index changes since winner_bases.base (usage/winners.ts)
);
-- Schema 3: the (hash of message id, file id) index of every dedup winner, as of the last rebuild or
-- fold; a row of its own, so that updating rollups never rewrites it.
CREATE TABLE IF NOT EXISTS winner_bases (
  scope TEXT PRIMARY KEY,
  base BLOB NOT NULL
);
-- Schema 3: each file's rollup rows (usage/rollup-codec.ts) and dedup winners, per set of data folders.
CREATE TABLE IF NOT EXISTS rollup_files (
  scope TEXT NOT NULL,
  file_id INTEGER NOT NULL,
  nums BLOB NOT NULL,
  strs TEXT NOT NULL,
  win_ids TEXT NOT NULL,
  win_nums BLOB NOT NULL,
  PRIMARY KEY (scope, file_id)
);
-- Folder listings of the last walk of a set of data folders, in chunks by a hash of the folder's path
-- so that a changed folder rewrites its chunk only (schema 3; schema 2 had one row per scope).
CREATE TABLE IF NOT EXISTS listing_chunks (
  scope TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (scope, chunk)
);
-- Finished report outputs, replayed while nothing they depend on has changed (schema 2).
CREATE TABLE IF NOT EXISTS outputs (
  key TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  stdout TEXT NOT NULL,
  stderr TEXT NOT NULL,
  inputs TEXT NOT NULL,
  paths_hash TEXT      -- schema 3: the inputs' paths, in output_paths
);
-- Schema 3: the paths a report's inputs name, shared by outputs (they rarely change from run to run).
CREATE TABLE IF NOT EXISTS output_paths (
  hash TEXT PRIMARY KEY,
  paths TEXT NOT NULL
);
`;

// Created after a migration has added the columns they index.
const INDEXES = `CREATE INDEX IF NOT EXISTS segments_gen ON segments (gen);`;

export interface StoredFile {
  id: FileId;
  path: string;
  dataDir: string;
  dev: number;
  ino: number;
  head: Buffer;
  tail: Buffer;
  size: number;
  mtimeMs: number;
  checkpoint: number;
  present: boolean;
  origin: FileOrigin;
  warnings: FileWarnings;
}

export type FileEntry = Omit<StoredFile, 'head' | 'tail'>;

export interface StoredSegment {
  fileId: FileId;
  start: number;
  events: EncodedEvents;
}

interface SegmentRow {
  file_id: number;
  start: number;
  count: number;
  nums: Buffer;
  strs: string;
}

function toSegment(row: SegmentRow): StoredSegment {
  return { fileId: row.file_id as FileId, start: row.start, events: { count: row.count, nums: aligned(row.nums), strs: row.strs } };
}

// SQLite's blobs need not be 8-byte aligned: numbers are copied out into arrays of their own.
function aligned(blob: Buffer): Float64Array {
  return new Float64Array(new Uint8Array(blob).buffer);
}

function bigints(blob: Buffer): BigUint64Array {
  return new BigUint64Array(new Uint8Array(blob).buffer);
}

/** The bytes of a typed array, as a blob (no copy). */
function bytesOf(a: Float64Array | BigUint64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** The generation and prices the stored rollups of a set of data folders are as of, and the index of their winners. */
export interface RollupHead {
  generation: number;
  priceHash: string;
  index: WinnerIndexView;
}

export interface RollupSave {
  generation: number;
  priceHash: string;
  /** 'any-older': a rebuild (every file given); a number: an update of the rollups of that generation. */
  basedOn: 'any-older' | number;
  /** Rows and winners per file id (null: the file has none now). */
  files: Iterable<readonly [number, { rows: EncodedRows; winners: EncodedFileWinners } | null]>;
  /** A new base (rebuild, fold) or none (the stored one holds), and the changes since the base. */
  index: { base: WinnerIndex | null; changes: BigUint64Array };
}

export class LedgerError extends Error {}

/** A row of the file table as catalog() reads it (an array: this runs on every report, over every file). */
type FileRow = [
  id: number, path: string, dataDir: string, dev: number, ino: number, size: number, mtimeMs: number, checkpoint: number, present: number,
  origin: string, malformed: number, invalid: number, partialTail: number, error: string | null,
];

export interface OpenResult {
  store: LedgerStore;
  /** Said to the user: a rebuilt or migrated ledger. */
  notice: string | null;
}

export class LedgerStore {
  private readonly statements = new Map<string, Database.Statement>();
  /** Opened empty, so writing without fsyncs (see open) until a second sync begins on this connection. */
  private firstBuild = false;
  private syncsBegun = 0;

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
  ) {}

  /** Prepared once per connection: preparing costs more than running these small statements. */
  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) this.statements.set(text, (st = this.db.prepare(text)));
    return st;
  }

  /**
   * Opens (creating) the ledger. A file that is not a database, or a schema this version cannot
   * migrate, is moved aside and rebuilt with a notice; a newer schema is refused (an older ccost must
   * not damage a newer one's ledger).
   */
  static open(path: string): OpenResult {
    mkdirSync(dirname(path), { recursive: true });
    let notice: string | null = null;
    let db: Database.Database;
    try {
      // Look at the schema before changing anything (even the journal mode) in someone else's file.
      db = new Database(path, { timeout: 120_000 });
      const version = LedgerStore.schemaVersion(db);
      if (version > SCHEMA_VERSION) {
        db.close();
        throw new LedgerError(`ledger ${path} was written by a newer ccost (schema ${version}, this one knows ${SCHEMA_VERSION}) and is left alone; use --ledger PATH for another`);
      }
      LedgerStore.configure(db);
      if (version !== 0 && version < SCHEMA_VERSION) LedgerStore.migrate(db);
    } catch (err) {
      if (err instanceof LedgerError) throw err;
      // A full, failing or unwritable disk is not the ledger's fault: it stays where it is.
      const fault = ledgerFault(err);
      if (fault !== null && fault !== 'damaged') throw new LedgerError(`the ledger ${path} ${FAULT_WORDS[fault]}`);
      let aside: string;
      try {
        // Keep the old file for inspection: never delete what might be someone's only history.
        aside = moveAside(path);
      } catch (moveErr) {
        throw new LedgerError(`ledger ${path} cannot be read (${(err as Error).message}) nor moved aside (${(moveErr as Error).message})`);
      }
      notice = `ledger ${path} could not be used (${(err as Error).message}); moved it to ${aside} and rebuilt it from the session files`;
      db = LedgerStore.connect(path);
    }
    try {
      db.exec(SCHEMA);
      db.exec(INDEXES);
      db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)`).run(String(SCHEMA_VERSION));
      db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', '0')`).run();
    } catch (err) {
      const fault = ledgerFault(err);
      if (fault === null) throw err;
      db.close();
      throw new LedgerError(`the ledger ${path} ${FAULT_WORDS[fault]}`);
    }
    const store = new LedgerStore(path, db);
    // A ledger that holds nothing yet is being built from the session files alone, so all its first
    // build writes can be made again from them: it skips the fsyncs (11 on a first run over 1 GiB,
    // 0.33 s here, measured with strace). An OS crash right after could leave the file broken, which
    // the next run moves aside and rebuilds; an application crash loses nothing (SQLite's own
    // guarantee for synchronous=OFF). Later syncs (beginSync), whose ledgers may come to hold events
    // of deleted files, write with NORMAL.
    if (db.prepare(`SELECT NOT EXISTS (SELECT 1 FROM files)`).pluck().get() === 1) {
      db.pragma('synchronous = OFF');
      store.firstBuild = true;
    }
    return { store, notice };
  }

  private static migrate(db: Database.Database): void {
    // Holding the write lock from the start: another process may be migrating the same ledger.
    db.transaction(() => {
      const from = LedgerStore.schemaVersion(db);
      if (from >= SCHEMA_VERSION) return; // done meanwhile
      // 1 → 2 only adds tables (created by SCHEMA).
      db.exec(SCHEMA);
      if (from < 3) {
        // Segments stored before know no generation (0), and rollups no winners: the first run after
        // the migration recomputes its rollups in full, later ones update them.
        db.exec(`ALTER TABLE segments ADD COLUMN gen INTEGER NOT NULL DEFAULT 0`);
        db.exec(`ALTER TABLE rollups ADD COLUMN winner_changes BLOB`);
        db.exec(`INSERT INTO fingerprints (file_id, head, tail) SELECT id, head, tail FROM files`);
        db.exec(`ALTER TABLE files DROP COLUMN head`);
        db.exec(`ALTER TABLE files DROP COLUMN tail`);
        // Only caches: rebuilt in the new form by the next report.
        db.exec(`DELETE FROM rollups`);
        db.exec(`DROP TABLE IF EXISTS listings`);
        db.exec(`ALTER TABLE outputs ADD COLUMN paths_hash TEXT`);
        db.exec(`DELETE FROM outputs`);
      }
      if (from < 4) {
        // Rollups and finished reports held costs in float dollars; now whole units (usage/money.ts).
        db.exec(`DELETE FROM rollups`);
        db.exec(`DELETE FROM outputs`);
      }
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    }).immediate();
  }

  private static connect(path: string): Database.Database {
    return LedgerStore.configure(new Database(path, { timeout: 120_000 }));
  }

  private static configure(db: Database.Database): Database.Database {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Checkpoint the log every 32 MiB written rather than every 4 MiB: each checkpoint costs an fsync
    // (~0.1 s on a small VM), and a cold run writes tens of MiB.
    db.pragma('wal_autocheckpoint = 8192');
    // ...and keep no more than 4 MiB of log file once it has been checkpointed.
    db.pragma('journal_size_limit = 4194304');
    return db;
  }

  private static schemaVersion(db: Database.Database): number {
    const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
    if (!hasMeta) {
      const tables = db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'`).get() as { n: number };
      if (tables.n > 0) throw new Error('not a ccost ledger');
      return 0;
    }
    const row = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).get() as { value: string } | undefined;
    return row ? Number(row.value) : 0;
  }

  close(): void {
    this.db.close();
  }

  meta(key: string): string | null {
    const row = this.sql(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined;
    return row ? row.value : null;
  }

  setMeta(key: string, value: string): void {
    this.sql(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`).run(key, value);
  }

  generation(): number {
    return Number(this.meta('generation') ?? 0);
  }

  bumpGeneration(): void {
    this.sql(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'`).run();
  }

  /** Every file without its fingerprint bytes: what reports need to know of them. */
  catalog(): FileEntry[] {
    const rows = this.sql(
      `SELECT id, path, data_dir, dev, ino, size, mtime_ms, checkpoint, present, origin, malformed, invalid, partial_tail, error FROM files`,
    ).raw().all() as FileRow[];
    return rows.map(toEntry);
  }

  fingerprint(id: number): { head: Buffer; tail: Buffer } {
    return (this.sql(`SELECT head, tail FROM fingerprints WHERE file_id = ?`).get(id) as { head: Buffer; tail: Buffer } | undefined) ?? { head: Buffer.alloc(0), tail: Buffer.alloc(0) };
  }

  /** Inserts or updates a file's row; returns its id. */
  saveFile(f: Omit<StoredFile, 'id'> & { id?: FileId }): FileId {
    const values = [
      f.path,
      f.dataDir,
      f.dev,
      f.ino,
      f.size,
      f.mtimeMs,
      f.checkpoint,
      f.present ? 1 : 0,
      originJson(f.origin),
      f.warnings.malformed,
      f.warnings.invalid,
      f.warnings.partialTail ? 1 : 0,
      f.warnings.error,
    ];
    let id = f.id;
    if (id !== undefined) {
      this.sql(
        `UPDATE files SET path = ?, data_dir = ?, dev = ?, ino = ?, size = ?, mtime_ms = ?, checkpoint = ?, present = ?, origin = ?, malformed = ?, invalid = ?, partial_tail = ?, error = ? WHERE id = ?`,
      ).run(...values, id);
    } else {
      const r = this.sql(
        `INSERT INTO files (path, data_dir, dev, ino, size, mtime_ms, checkpoint, present, origin, malformed, invalid, partial_tail, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(...values);
      id = Number(r.lastInsertRowid) as FileId;
    }
    this.sql(`INSERT OR REPLACE INTO fingerprints (file_id, head, tail) VALUES (?, ?, ?)`).run(id, f.head, f.tail);
    return id!;
  }

  /** A file that could not be read this time: its counted events and fingerprint stay. */
  markUnreadable(id: number, path: string, error: string): void {
    this.sql(`UPDATE files SET path = ?, present = 1, error = ? WHERE id = ?`).run(path, error, id);
  }

  setOrigin(id: number, origin: FileOrigin): void {
    this.sql(`UPDATE files SET origin = ? WHERE id = ?`).run(originJson(origin), id);
  }

  /**
   * A deleted file's row gives its path up to a new file there: it keeps its events under a path no
   * file on disk can have (a session file's name ends in .jsonl).
   */
  retirePath(id: number, path: string): string {
    const retired = `${path}#deleted-${id}`;
    this.sql(`UPDATE files SET path = ? WHERE id = ?`).run(retired, id);
    return retired;
  }

  setPresent(id: number, present: boolean): void {
    this.sql(`UPDATE files SET present = ? WHERE id = ?`).run(present ? 1 : 0, id);
  }

  /** Removes a file's events; returns how many segments held them. */
  clearSegments(fileId: number): number {
    return this.sql(`DELETE FROM segments WHERE file_id = ?`).run(fileId).changes;
  }

  /** Stores events read from [start, end) of a file by the sync that makes generation `gen`. */
  addSegment(fileId: number, start: number, end: number, events: EncodedEvents, gen: number): void {
    this.sql(`INSERT OR REPLACE INTO segments (file_id, start, end, count, nums, strs, gen) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(fileId, start, end, events.count, bytesOf(events.nums), events.strs, gen);
  }

  /** The stored events of the given files, one file at a time (all its segments, in offset order). */
  *segmentsByFile(fileIds: ReadonlySet<number>): Generator<{ fileId: FileId; events: EncodedEvents[] }> {
    if (fileIds.size === 0) return;
    let current: { fileId: FileId; events: EncodedEvents[] } | null = null;
    for (const row of this.sql(`SELECT file_id, start, count, nums, strs FROM segments ORDER BY file_id, start`).iterate() as IterableIterator<SegmentRow>) {
      if (!fileIds.has(row.file_id) || row.count === 0) continue;
      if (current && current.fileId !== row.file_id) {
        yield current;
        current = null;
      }
      current ??= { fileId: row.file_id as FileId, events: [] };
      current.events.push(toSegment(row).events);
    }
    if (current) yield current;
  }

  /** Segments added by generations after `gen`, in file and offset order. */
  segmentsSince(gen: number): StoredSegment[] {
    const rows = this.sql(`SELECT file_id, start, count, nums, strs FROM segments WHERE gen > ? ORDER BY file_id, start`).all(gen) as SegmentRow[];
    return rows.map(toSegment);
  }

  /** All segments of one file, in offset order. */
  segmentsOf(fileId: number): StoredSegment[] {
    return (this.sql(`SELECT file_id, start, count, nums, strs FROM segments WHERE file_id = ? ORDER BY start`).all(fileId) as SegmentRow[]).map(toSegment);
  }

  hasSegments(fileId: number): boolean {
    return this.sql(`SELECT 1 FROM segments WHERE file_id = ? LIMIT 1`).get(fileId) !== undefined;
  }

  /** What the rollups of a set of data folders are as of: null when there are none. */
  rollupHead(scope: string): RollupHead | null {
    const row = this.sql(
      `SELECT r.generation, r.price_hash, r.winner_changes, b.base FROM rollups r JOIN winner_bases b ON b.scope = r.scope WHERE r.scope = ?`,
    ).get(scope) as { generation: number; price_hash: string; winner_changes: Buffer | null; base: Buffer } | undefined;
    if (!row || row.winner_changes === null) return null;
    return { generation: row.generation, priceHash: row.price_hash, index: WinnerIndexView.of(bigints(row.base), bigints(row.winner_changes)) };
  }

  rollupRows(scope: string): Array<{ fileId: FileId; rows: EncodedRows }> {
    const rows = this.sql(`SELECT file_id, nums, strs FROM rollup_files WHERE scope = ?`).raw().all(scope) as Array<[number, Buffer, string]>;
    return rows.map(([fileId, nums, strs]) => ({ fileId: fileId as FileId, rows: { nums: aligned(nums), strs } }));
  }

  /** Every file's winners in a scope's rollups. */
  scopeWinners(scope: string): Array<{ fileId: FileId; winners: EncodedFileWinners }> {
    const rows = this.sql(`SELECT file_id, win_ids, win_nums FROM rollup_files WHERE scope = ?`).raw().all(scope) as Array<[number, string, Buffer]>;
    return rows.map(([fileId, ids, nums]) => ({ fileId: fileId as FileId, winners: { ids, nums: aligned(nums) } }));
  }

  fileWinners(scope: string, fileId: number): EncodedFileWinners | null {
    const row = this.sql(`SELECT win_ids, win_nums FROM rollup_files WHERE scope = ? AND file_id = ?`).raw().get(scope, fileId) as [string, Buffer] | undefined;
    return row ? { ids: row[0], nums: aligned(row[1]) } : null;
  }

  /**
   * Keeps new rollups in one transaction, unless `basedOn` no longer holds: a rebuild replaces rollups
   * of an older generation (or none); an update applies only to the generation it started from.
   * Returns whether they were kept (another process may have kept its own meanwhile).
   */
  saveRollups(scope: string, s: RollupSave): boolean {
    // Immediate: a transaction that reads before it writes cannot wait for another writer once it has read.
    return this.db.transaction(() => {
      const now = this.sql(`SELECT generation FROM rollups WHERE scope = ? AND winner_changes IS NOT NULL`).pluck().get(scope) as number | undefined;
      const ok = s.basedOn === 'any-older' ? now === undefined || now < s.generation : now === s.basedOn;
      if (!ok) return false;
      const put = this.sql(`INSERT OR REPLACE INTO rollup_files (scope, file_id, nums, strs, win_ids, win_nums) VALUES (?, ?, ?, ?, ?, ?)`);
      const drop = this.sql(`DELETE FROM rollup_files WHERE scope = ? AND file_id = ?`);
      if (s.basedOn === 'any-older') this.sql(`DELETE FROM rollup_files WHERE scope = ?`).run(scope);
      for (const [fileId, f] of s.files) {
        if (f === null) drop.run(scope, fileId);
        else put.run(scope, fileId, bytesOf(f.rows.nums), f.rows.strs, f.winners.ids, bytesOf(f.winners.nums));
      }
      if (s.index.base) this.sql(`INSERT OR REPLACE INTO winner_bases (scope, base) VALUES (?, ?)`).run(scope, bytesOf(s.index.base));
      this.sql(
        `INSERT INTO rollups (scope, generation, price_hash, data, winner_changes) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET generation = excluded.generation, price_hash = excluded.price_hash, data = excluded.data, winner_changes = excluded.winner_changes`,
      ).run(scope, s.generation, s.priceHash, '', bytesOf(s.index.changes));
      return true;
    }).immediate();
  }

  listingChunks(scope: string): string[] {
    return this.sql(`SELECT data FROM listing_chunks WHERE scope = ?`).pluck().all(scope) as string[];
  }

  /** Replaces chunks of a scope's listings (null: the chunk is empty now). */
  saveListingChunks(scope: string, chunks: ReadonlyMap<number, string | null>): void {
    this.db.transaction(() => {
      for (const [chunk, data] of chunks) {
        if (data === null) this.sql(`DELETE FROM listing_chunks WHERE scope = ? AND chunk = ?`).run(scope, chunk);
        else this.sql(`INSERT OR REPLACE INTO listing_chunks (scope, chunk, data) VALUES (?, ?, ?)`).run(scope, chunk, data);
      }
    }).immediate();
  }

  /**
   * Called as each sync begins. A connection that opened an empty ledger made its first build
   * without fsyncs; a later sync on it (watch, alerts that keep checking) may add what the files no
   * longer hold, so from then on it writes with NORMAL.
   */
  beginSync(): void {
    if (this.firstBuild && ++this.syncsBegun > 1) {
      this.db.pragma('synchronous = NORMAL');
      this.firstBuild = false;
    }
  }

  /** Runs fn holding the write lock (BEGIN IMMEDIATE): concurrent writers queue instead of clashing. */
  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const r = await fn();
      this.db.exec('COMMIT');
      return r;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
  }
}

/**
 * The origin as stored: without its path and data folder, which are columns of their own. Spelled
 * out: JSON.stringify given a list of keys takes a slow path (7,000 origins: ~27 ms, this ~12 ms).
 */
function originJson(o: FileOrigin): string {
  const stored: Omit<FileOrigin, 'path' | 'dataDir'> = {
    host: o.host,
    projectDir: o.projectDir,
    project: o.project,
    instance: o.instance,
    mode: o.mode,
    team: o.team,
    agent: o.agent,
    role: o.role,
    container: o.container,
    pathSessionId: o.pathSessionId,
    subagentFile: o.subagentFile,
  };
  return JSON.stringify(stored);
}

function toEntry(r: FileRow): FileEntry {
  const path = r[1];
  const origin = JSON.parse(r[9]) as FileOrigin;
  origin.path = path;
  origin.dataDir = r[2];
  return {
    id: r[0] as FileId,
    path,
    dataDir: r[2],
    dev: r[3],
    ino: r[4],
    size: r[5],
    mtimeMs: r[6],
    checkpoint: r[7],
    present: r[8] === 1,
    origin,
    warnings: { path, malformed: r[10], invalid: r[11], partialTail: r[12] === 1, error: r[13] },
  };
}
