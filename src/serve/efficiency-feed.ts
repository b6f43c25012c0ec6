/**
 * The efficiency report of every response the ledger counts, kept as sums per file (usage/
 * efficiency.ts `fileEfficiency`): a round that says which files' counted responses changed
 * (UsageView.delta.files) marks those, and only they are read again from the ledger's log when a
 * report is asked for; any other round marks every file. Reading all of them takes about half a
 * second at 1 GiB of transcripts and held the server for as long after every change; one file takes
 * a few milliseconds. The sums are exact integers, so the report equals one made from all responses.
 */
import { countedEvents, countedIn, lazyWinners } from '../ledger/counted.js';
import type { LedgerStore } from '../ledger/store.js';
import type { UsageView } from '../ledger/view.js';
import { efficiencyOfFiles, fileEfficiency, type Efficiency, type EfficiencyBy, type FileEfficiency } from '../usage/efficiency.js';
import type { Pricing } from '../usage/pricing.js';
import type { FileId } from '../usage/types.js';

export class EfficiencyFeed {
  private sums = new Map<FileId, FileEfficiency>();
  private last: UsageView | null = null;
  /** Files to read again before the next report: all of them after a round that was no change of the last. */
  private stale: Set<FileId> | 'all' = 'all';

  constructor(
    private readonly store: LedgerStore,
    private readonly scopeKey: string,
    private readonly pricing: Pricing,
  ) {}

  /** Every round's view, in order (a round left out would leave its files' sums as they were). */
  take(view: UsageView): void {
    if (view === this.last) return;
    const delta = view.delta;
    if (this.last && delta?.of === this.last && this.stale !== 'all') for (const id of delta.files) this.stale.add(id);
    else this.stale = 'all';
    this.last = view;
  }

  /** The report of the last view taken: its files' responses, each message once (its winning copy). */
  report(by: EfficiencyBy): Efficiency {
    const view = this.last;
    if (!view) throw new Error('EfficiencyFeed.report() before any view');
    const ids = (view.basis?.fileIds ?? []) as readonly FileId[];
    const stale = this.stale;
    if (stale === 'all' || stale.size > 0) {
      this.store.db.transaction(() => {
        if (stale === 'all') {
          this.sums = new Map();
          for (const { fileId, events } of countedEvents(this.store, new Set(ids), lazyWinners(this.store, this.scopeKey))) this.sums.set(fileId, fileEfficiency(events, this.pricing));
        } else for (const id of stale) this.sums.set(id, fileEfficiency(countedIn(this.store, this.scopeKey, id), this.pricing));
      })();
      this.stale = new Set();
    }
    const files = [];
    for (let at = 0; at < ids.length; at++) {
      const sums = this.sums.get(ids[at]!);
      if (sums) files.push({ file: view.files[at]!, sums });
    }
    return efficiencyOfFiles(files, by);
  }
}
