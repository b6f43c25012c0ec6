/**
 * Dedup and rollup of events that arrive one whole file at a time, holding only the winners' ranks
 * and each file's rows, never the events: each file's rows are made as it arrives, from its events
 * that win so far. A later copy that beats one of them marks that file for a recount from its stored
 * events at the end (ranks only ever improve, so a copy that lost once never wins later). The result
 * does not depend on the order files arrive in. Pure; `fileIndex` of events and rows is the file's
 * ledger id until the caller binds rows to its file table.
 */
import { rollup, type RollupRow } from './aggregate.js';
import type { CopyRank } from './dedup.js';
import type { Pricing } from './pricing.js';
import type { FileId, FileOrigin, UsageEvent } from './types.js';
import { addToWinners, keptEvents, type FileWinners } from './winners.js';

/** Winners' ranks in columns (a rank object per message id would be a first run's largest cost in memory). */
class RankTable {
  private readonly slots = new Map<string, number>();
  private cols = new Float64Array(5 * 1024);

  get size(): number {
    return this.slots.size;
  }

  get(id: string): CopyRank | undefined {
    const i = this.slots.get(id);
    if (i === undefined) return undefined;
    const c = this.cols;
    const o = i * 5;
    return { fileIndex: c[o]!, offset: c[o + 1]!, tokens: c[o + 2]!, timestamp: c[o + 3]!, sidechain: c[o + 4] === 1 };
  }

  fileOf(id: string): number | undefined {
    const i = this.slots.get(id);
    return i === undefined ? undefined : this.cols[i * 5]!;
  }

  set(id: string, r: CopyRank): void {
    let i = this.slots.get(id);
    if (i === undefined) {
      i = this.slots.size;
      if ((i + 1) * 5 > this.cols.length) {
        const grown = new Float64Array(this.cols.length * 2);
        grown.set(this.cols);
        this.cols = grown;
      }
      this.slots.set(id, i);
    }
    const o = i * 5;
    this.cols[o] = r.fileIndex;
    this.cols[o + 1] = r.offset;
    this.cols[o + 2] = r.tokens;
    this.cols[o + 3] = r.timestamp;
    this.cols[o + 4] = r.sidechain ? 1 : 0;
  }

  *ids(): IterableIterator<[string, number]> {
    for (const [id, i] of this.slots) yield [id, this.cols[i * 5]!];
  }
}

export class RunningRollup {
  private readonly ranks = new RankTable();
  private readonly rows = new Map<FileId, RollupRow<FileId>[]>();
  /** Files whose rows were made from a winner that has since lost: to be counted again. */
  private readonly stale = new Set<FileId>();

  /** `origins` by ledger file id (for dedup's ties and the rows' sessions): the caller fills them before adding a file's events. */
  constructor(
    private readonly origins: ReadonlyArray<FileOrigin | undefined>,
    private readonly pricing: Pricing,
  ) {}

  has(fileId: FileId): boolean {
    return this.rows.has(fileId);
  }

  /** Every event of one file (all of them: a file is added once). */
  addFile(fileId: FileId, events: readonly UsageEvent<FileId>[]): void {
    if (this.rows.has(fileId)) throw new Error(`file ${fileId} added twice`);
    const { updates } = addToWinners((id) => this.ranks.get(id), events, this.origins);
    // A file comes once, whole: every winner it holds is one of this call's updates.
    const mine: FileWinners = new Map();
    for (const [id, { rank, was }] of updates) {
      this.ranks.set(id, rank);
      if (was && was.fileIndex !== fileId) this.stale.add(was.fileIndex as FileId);
      if (rank.fileIndex === fileId) mine.set(id, rank);
    }
    this.rows.set(fileId, rollup(keptEvents(events, mine), this.origins as FileOrigin[], this.pricing));
  }

  private winnersOf(fileId: FileId, events: readonly UsageEvent<FileId>[]): FileWinners {
    const mine: FileWinners = new Map();
    for (const e of events) {
      if (e.messageId === null || this.ranks.fileOf(e.messageId) !== fileId) continue;
      mine.set(e.messageId, this.ranks.get(e.messageId)!);
    }
    return mine;
  }

  /** Files to count again from their stored events (with recount). */
  staleFiles(): ReadonlySet<FileId> {
    return this.stale;
  }

  recount(fileId: FileId, events: readonly UsageEvent<FileId>[]): void {
    this.rows.set(fileId, rollup(keptEvents(events, this.winnersOf(fileId, events)), this.origins as FileOrigin[], this.pricing));
    this.stale.delete(fileId);
  }

  /** The ids each file holds the winner of (only files that hold some). */
  winnerIdsByFile(): Map<FileId, string[]> {
    const out = new Map<FileId, string[]>();
    for (const [id, fileId] of this.ranks.ids()) {
      let ids = out.get(fileId as FileId);
      if (!ids) out.set(fileId as FileId, (ids = []));
      ids.push(id);
    }
    return out;
  }

  rankOf(id: string): CopyRank {
    return this.ranks.get(id)!;
  }

  get winnerCount(): number {
    return this.ranks.size;
  }

  /** Each file's rows (empty files included). */
  rowsByFile(): ReadonlyMap<FileId, RollupRow<FileId>[]> {
    if (this.stale.size > 0) throw new Error('rows asked for before stale files were counted again');
    return this.rows;
  }
}
