/**
 * The embedded store (SQLite, WAL): one connection, its schema and migrations, its meta values and
 * write lock. What it holds is split by role: the log of files and their events (file-log.ts), the
 * rollups made from it (rollup-tables.ts) and finished reports (report-cache.ts). History outlives
 * the transcripts: events of deleted files stay.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileLog } from './file-log.js';
import { ListingTable, RollupTables } from './rollup-tables.js';
import { Statements } from './statements.js';

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
  base BLOB NOT NULL,
  gen INTEGER NOT NULL DEFAULT -1  -- schema 4: the generation it was written at (a base is never changed, only replaced)
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

export class LedgerError extends Error {}

export interface OpenResult {
  store: LedgerStore;
  /** Said to the user: a rebuilt or migrated ledger. */
  notice: string | null;
}

export class LedgerStore {
  private readonly sql: Statements['sql'];
  /** The log of files: what was read, from where, and each file's events. */
  readonly log: FileLog;
  /** Rollup rows and winners: rebuildable from the log. */
  readonly rollups: RollupTables;
  /** Folder listings of the last walk. */
  readonly listings: ListingTable;
  /** Opened empty, so writing without fsyncs (see open) until a second sync begins on this connection. */
  private firstBuild = false;
  private syncsBegun = 0;

  private constructor(
    readonly path: string,
    readonly db: Database.Database,
  ) {
    const statements = new Statements(db);
    this.sql = (text) => statements.sql(text);
    this.log = new FileLog(db, statements);
    this.rollups = new RollupTables(db, statements);
    this.listings = new ListingTable(db, statements);
  }

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
        db.exec(`DELETE FROM winner_bases`);
        const cols = db.prepare(`SELECT name FROM pragma_table_info('winner_bases')`).pluck().all() as string[];
        if (!cols.includes('gen')) db.exec(`ALTER TABLE winner_bases ADD COLUMN gen INTEGER NOT NULL DEFAULT -1`);
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

  /**
   * For a process that keeps running once its first round has read what it needs: later rounds
   * touch a few pages each, and the page cache (16 MiB, as better-sqlite3 builds SQLite) would
   * otherwise stay full of the first round's pages for as long as the process lives.
   */
  keepSmall(): void {
    this.db.pragma('cache_size = -2048');
    this.db.pragma('shrink_memory');
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

