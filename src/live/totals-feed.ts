/**
 * Totals kept from the rounds of a live view: a round that says which rows went and came
 * (UsageView.delta) changes only those in the totals; any other view makes them afresh. What
 * `ccost watch` and `alert --watch` read each round.
 */
import { costRows, type CostedRow, type RollupRow } from '../usage/aggregate.js';
import { LiveTotals } from '../usage/live-totals.js';
import type { Calendar } from '../usage/time.js';
import type { CostMode } from '../usage/types.js';
import type { UsageView } from '../ledger/view.js';
import { filterRows, type ReportFilters } from '../reports/build.js';

export class TotalsFeed {
  private last: { view: UsageView; totals: LiveTotals } | null = null;
  /** The costed row of each row the totals hold (the same object is what they take out again). */
  private costed = new WeakMap<RollupRow, CostedRow>();

  constructor(
    private readonly calendar: Calendar,
    private readonly mode: CostMode,
    private readonly filters: ReportFilters,
  ) {}

  /** `changed`: the totals may differ from the last view's. */
  take(view: UsageView): { totals: LiveTotals; changed: boolean } {
    if (this.last?.view === view) return { totals: this.last.totals, changed: false };
    const delta = view.delta;
    if (this.last && delta?.of === this.last.view) {
      const removed = delta.removed.map((r) => this.costed.get(r));
      const added = costRows(delta.added, view.files, this.mode, this.costed);
      if (removed.every((c) => c !== undefined) && this.last.totals.apply(this.selected(removed), this.selected(added))) {
        this.last = { view, totals: this.last.totals };
        return { totals: this.last.totals, changed: delta.removed.length > 0 || delta.added.length > 0 };
      }
    }
    this.costed = new WeakMap();
    this.last = { view, totals: LiveTotals.of(this.selected(costRows(view.rows, view.files, this.mode, this.costed)), this.calendar) };
    return { totals: this.last.totals, changed: true };
  }

  /** The costed row of a row of the last view taken (undefined for a row of no view taken, or one let go since). */
  costedRow(row: RollupRow): CostedRow | undefined {
    return this.costed.get(row);
  }

  private selected(rows: readonly CostedRow[]): readonly CostedRow[] {
    return filterRows(rows, this.calendar, this.filters);
  }
}
