/**
 * Rollups, a materialization of the log that can always be rebuilt from it: per scope (a set of data
 * folders) the generation and prices they are as of, each file's rows and dedup winners, and an index
 * of the winners. Folder listings, a cache of the walk, live beside them.
 */
import type { EncodedRows } from '../usage/rollup-codec.js';
import { WinnerIndexView, type EncodedFileWinners, type WinnerIndex } from '../usage/winners.js';
import type { FileId } from '../usage/types.js';
import { aligned, bigints, bytesOf, Tables } from './statements.js';

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

export class RollupTables extends Tables {
  /**
   * The winners' base last read, per scope, by the generation it was written at: a long-running
   * process reads the base (1 MiB at 1 GiB of transcripts) again only when it was replaced.
   */
  private readonly bases = new Map<string, { gen: number; base: WinnerIndex }>();

  /** What the rollups of a set of data folders are as of: null when there are none. */
  head(scope: string): RollupHead | null {
    const row = this.sql(
      `SELECT r.generation, r.price_hash, r.winner_changes, b.gen FROM rollups r JOIN winner_bases b ON b.scope = r.scope WHERE r.scope = ?`,
    ).get(scope) as { generation: number; price_hash: string; winner_changes: Buffer | null; gen: number } | undefined;
    if (!row || row.winner_changes === null) return null;
    // Two bases written at one generation hold the same winners (whichever process wrote them).
    let known = this.bases.get(scope);
    if (!known || known.gen !== row.gen || row.gen < 0) {
      const blob = this.sql(`SELECT base FROM winner_bases WHERE scope = ?`).pluck().get(scope) as Buffer;
      this.bases.set(scope, (known = { gen: row.gen, base: bigints(blob) }));
    }
    return { generation: row.generation, priceHash: row.price_hash, index: WinnerIndexView.of(known.base, bigints(row.winner_changes)) };
  }

  rows(scope: string): Array<{ fileId: FileId; rows: EncodedRows }> {
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
  save(scope: string, s: RollupSave): boolean {
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
      if (s.index.base) this.sql(`INSERT OR REPLACE INTO winner_bases (scope, base, gen) VALUES (?, ?, ?)`).run(scope, bytesOf(s.index.base), s.generation);
      this.sql(
        `INSERT INTO rollups (scope, generation, price_hash, data, winner_changes) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope) DO UPDATE SET generation = excluded.generation, price_hash = excluded.price_hash, data = excluded.data, winner_changes = excluded.winner_changes`,
      ).run(scope, s.generation, s.priceHash, '', bytesOf(s.index.changes));
      return true;
    }).immediate();
  }
}

/** Folder listings of the last walk of a scope, in chunks by a hash of the folder's path. */
export class ListingTable extends Tables {
  chunks(scope: string): string[] {
    return this.sql(`SELECT data FROM listing_chunks WHERE scope = ?`).pluck().all(scope) as string[];
  }

  /** Replaces chunks of a scope's listings (null: the chunk is empty now). */
  save(scope: string, chunks: ReadonlyMap<number, string | null>): void {
    this.db.transaction(() => {
      for (const [chunk, data] of chunks) {
        if (data === null) this.sql(`DELETE FROM listing_chunks WHERE scope = ? AND chunk = ?`).run(scope, chunk);
        else this.sql(`INSERT OR REPLACE INTO listing_chunks (scope, chunk, data) VALUES (?, ?, ?)`).run(scope, chunk, data);
      }
    }).immediate();
  }
}
