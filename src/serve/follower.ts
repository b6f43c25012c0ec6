/**
 * What the server follows: one live view of the data folders (ledger/live-view.ts), whose rounds feed
 * the stream of responses (live/tail-feed.ts: each response once, from the ledger's log) and the
 * totals kept current (live/totals-feed.ts); the API reads the rows of the last round, costed once
 * for all the requests that come before the next change.
 */
import { LiveView } from '../ledger/live-view.js';
import type { LedgerStore } from '../ledger/store.js';
import { scopeKeyOf, type UsageView } from '../ledger/view.js';
import { TailFeed, type TailEvent } from '../live/tail-feed.js';
import { TotalsFeed } from '../live/totals-feed.js';
import { costRows, type CostedRow, type RollupRow } from '../usage/aggregate.js';
import type { LiveTotals } from '../usage/live-totals.js';
import type { Pricing } from '../usage/pricing.js';
import type { Calendar } from '../usage/time.js';
import type { CostMode } from '../usage/types.js';

export interface Followed {
  view: UsageView;
  totals: LiveTotals;
  /** The ledger's generation the view is as of: the stream's event ids. */
  generation: number;
}

export class ServeFollower {
  private readonly live: LiveView;
  private readonly tail: TailFeed;
  private readonly feed: TotalsFeed;
  private now: Followed | null = null;
  private costed: { view: UsageView; rows: CostedRow[] } | null = null;
  private readonly reuse = new WeakMap<RollupRow, CostedRow>();

  constructor(
    readonly store: LedgerStore,
    dirs: readonly string[],
    pricing: Pricing,
    private readonly mode: CostMode,
    calendar: Calendar,
  ) {
    this.live = new LiveView(store, dirs, pricing);
    this.tail = new TailFeed(store, this.live, scopeKeyOf(dirs));
    this.feed = new TotalsFeed(calendar, mode, {});
  }

  /** Brings the ledger up to date with the files; the stream starts from here. */
  async start(): Promise<void> {
    await this.tail.start(false);
    await this.settle();
  }

  /** One round: the responses the files gained (for the stream), after which `state` is current. */
  async round(walk: boolean, paths: ReadonlySet<string> | null): Promise<TailEvent[]> {
    const events = await this.tail.round(walk, paths);
    await this.settle();
    return events;
  }

  state(): Followed {
    if (!this.now) throw new Error('the follower has not started');
    return this.now;
  }

  /** Every row, costed (the same array until a round changes the rows). */
  rows(): CostedRow[] {
    const { view } = this.state();
    if (this.costed?.view !== view) this.costed = { view, rows: costRows(view.rows, view.files, this.mode, this.reuse) };
    return this.costed.rows;
  }

  /** The responses the ledger gained after generation `from` (a stream client coming back). */
  since(from: number): TailEvent[] {
    return this.tail.since(from);
  }

  folders(): readonly string[] {
    return this.tail.folders();
  }

  private async settle(): Promise<void> {
    // The round's view itself: no file is looked at again.
    const view = await this.live.view(false, new Set());
    const { totals } = this.feed.take(view);
    this.now = { view, totals, generation: view.basis?.generation ?? 0 };
  }
}
