/**
 * Dedup and rollup of events that arrive one whole file at a time, holding only the winners' ranks
 * and each file's rows, never the events: each file's rows are made as it arrives, from its events
 * that win so far. A later copy that beats one of them marks that file for a recount from its stored
 * events at the end (ranks only ever improve, so a copy that lost once never wins later). The result
 * does not depend on the order files arrive in. Pure; `fileIndex` of events and rows is the file's
 * ledger id until the caller binds rows to its file table.
 */
import { rollup, type RollupRow } from './aggregate.js';
import type { CopyRank, FilePlaces } from './dedup.js';
import type { Pricing } from './pricing.js';
import type { FileOrigin, UsageEvent } from './types.js';
import { addToWinners, keptEvents, type FileWinners } from './winners.js';

export class RunningRollup {
  private readonly ranks = new Map<string, CopyRank>();
  private readonly rows = new Map<number, RollupRow[]>();
  /** Files whose rows were made from a winner that has since lost: to be counted again. */
  private readonly stale = new Set<number>();

  /** `places` and `origins` by ledger file id: the caller fills them before adding a file's events. */
  constructor(
    private readonly places: FilePlaces,
    private readonly origins: ReadonlyArray<FileOrigin | undefined>,
    private readonly pricing: Pricing,
  ) {}

  has(fileId: number): boolean {
    return this.rows.has(fileId);
  }

  /** Every event of one file (all of them: a file is added once). */
  addFile(fileId: number, events: readonly UsageEvent[]): void {
    if (this.rows.has(fileId)) throw new Error(`file ${fileId} added twice`);
    const { updates } = addToWinners((id) => this.ranks.get(id), events, this.places);
    for (const [id, { rank, was }] of updates) {
      this.ranks.set(id, rank);
      if (was && was.fileIndex !== fileId) this.stale.add(was.fileIndex);
    }
    this.rows.set(fileId, rollup(keptEvents(events, this.winnersOf(fileId, events)), this.origins as FileOrigin[], this.pricing));
  }

  private winnersOf(fileId: number, events: readonly UsageEvent[]): FileWinners {
    const mine: FileWinners = new Map();
    for (const e of events) {
      if (e.messageId === null) continue;
      const r = this.ranks.get(e.messageId)!;
      if (r.fileIndex === fileId) mine.set(e.messageId, r);
    }
    return mine;
  }

  /** Files to count again from their stored events (with recount). */
  staleFiles(): ReadonlySet<number> {
    return this.stale;
  }

  recount(fileId: number, events: readonly UsageEvent[]): void {
    this.rows.set(fileId, rollup(keptEvents(events, this.winnersOf(fileId, events)), this.origins as FileOrigin[], this.pricing));
    this.stale.delete(fileId);
  }

  /** Each file's winners (only files that have some). */
  winnersByFile(): Map<number, FileWinners> {
    const out = new Map<number, FileWinners>();
    for (const [id, r] of this.ranks) {
      let m = out.get(r.fileIndex);
      if (!m) out.set(r.fileIndex, (m = new Map()));
      m.set(id, r);
    }
    return out;
  }

  get winnerCount(): number {
    return this.ranks.size;
  }

  /** Each file's rows (empty files included). */
  rowsByFile(): ReadonlyMap<number, RollupRow[]> {
    if (this.stale.size > 0) throw new Error('rows asked for before stale files were counted again');
    return this.rows;
  }
}
