/**
 * What the server follows: one live view of the data folders (ledger/live-view.ts), whose rounds feed
 * the stream of responses (live/tail-feed.ts: each response once, from the ledger's log) and the
 * totals kept current (live/totals-feed.ts); the API reads the rows of the last round, costed once
 * for all the requests that come before the next change.
 */
import { countedEvents, lazyWinners } from '../ledger/counted.js';
import { LiveView } from '../ledger/live-view.js';
import type { LedgerStore } from '../ledger/store.js';
import { scopeKeyOf, type UsageView } from '../ledger/view.js';
import { TailFeed, type TailEvent } from '../live/tail-feed.js';
import { TotalsFeed } from '../live/totals-feed.js';
import { EfficiencyFeed } from './efficiency-feed.js';
import { costRows, eventCost, sessionKey, type CostedRow, type RollupRow } from '../usage/aggregate.js';
import { decodeEvents } from '../usage/event-codec.js';
import { EfficiencyTally, type Efficiency, type EfficiencyBy } from '../usage/efficiency.js';
import type { LiveTotals } from '../usage/live-totals.js';
import type { Pricing } from '../usage/pricing.js';
import type { Calendar } from '../usage/time.js';
import { eventTokens, type CostMode, type FileId, type FileOrigin, type UsageEvent } from '../usage/types.js';

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
  private readonly efficiencyFeed: EfficiencyFeed;
  private readonly scopeKey: string;
  private now: Followed | null = null;
  private costed: { view: UsageView; rows: CostedRow[] } | null = null;

  constructor(
    readonly store: LedgerStore,
    dirs: readonly string[],
    private readonly pricing: Pricing,
    private readonly mode: CostMode,
    calendar: Calendar,
  ) {
    this.scopeKey = scopeKeyOf(dirs);
    this.live = new LiveView(store, dirs, pricing);
    this.tail = new TailFeed(store, this.live, this.scopeKey);
    this.feed = new TotalsFeed(calendar, mode, {});
    this.efficiencyFeed = new EfficiencyFeed(store, this.scopeKey, pricing);
  }

  /** Brings the ledger up to date with the files; the stream starts from here. */
  async start(): Promise<void> {
    await this.tail.start(false);
    await this.settle();
  }

  /**
   * Takes over from a follower whose ledger failed (this one's is another): its first round reads
   * the files whole, and reports what the other had not reported yet (live/tail-feed.ts).
   */
  async takeOver(from: ServeFollower): Promise<TailEvent[]> {
    const events = await this.tail.takeOver(from.tail);
    await this.settle();
    return events;
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

  /**
   * Every row, costed (the same array until a round changes the rows): the costed rows the totals
   * hold (the server's totals take every row), costed once.
   */
  rows(): CostedRow[] {
    const { view } = this.state();
    if (this.costed?.view !== view) this.costed = { view, rows: view.rows.map((r) => this.feed.costedRow(r) ?? costRows([r], view.files, this.mode)[0]!) };
    return this.costed.rows;
  }

  /**
   * The largest responses of one session (by cost in this mode; each message once, its largest copy):
   * read from the ledger's log of the files that hold the session.
   */
  largest(session: string, limit: number): TailEvent[] {
    const { view } = this.state();
    const ids = view.basis?.fileIds ?? [];
    const places = new Set<number>();
    for (const c of this.rows()) if (c.row.session === session) places.add(c.row.fileIndex);
    const best = new Map<string, TailEvent & { units: number; tokens: number }>();
    let anonymous = 0;
    for (const at of places) {
      const file = view.files[at]!;
      for (const seg of this.store.log.segmentsOf(ids[at]!))
        for (const e of decodeEvents(seg.events, ids[at]! as FileId)) {
          if (sessionKey(e, file) !== session) continue;
          const tokens = eventTokens(e);
          const key = e.messageId ?? `#${anonymous++}`;
          const was = best.get(key);
          if (was && was.tokens >= tokens) continue;
          best.set(key, { event: e, file, replaces: false, units: eventCost(e, this.mode, this.pricing).units, tokens });
        }
    }
    return [...best.values()].sort((a, b) => b.units - a.units || a.event.timestamp - b.event.timestamp).slice(0, limit);
  }

  /** The efficiency report of every response the ledger counts (kept current file by file: serve/efficiency-feed.ts). */
  efficiencyOfAll(by: EfficiencyBy): Efficiency {
    this.state();
    return this.efficiencyFeed.report(by);
  }

  /**
   * The efficiency report (usage/efficiency.ts) of the responses the ledger counts, each message once
   * (its winning copy), those `keep` accepts (a filtered report: made afresh each time): read from the ledger's log file by file, in one read
   * transaction, so that no more than one file's responses are held at a time. Deleted files'
   * responses count, as in every report made from the ledger (`ccost efficiency` reads the files).
   */
  efficiency(by: EfficiencyBy, keep: (e: UsageEvent, file: FileOrigin) => boolean): Efficiency {
    const { view } = this.state();
    const ids = view.basis?.fileIds ?? [];
    const place = new Map(ids.map((id, at) => [id, at]));
    const tally = new EfficiencyTally(this.pricing, by);
    this.store.db.transaction(() => {
      for (const { fileId, events } of countedEvents(this.store, new Set(ids), lazyWinners(this.store, this.scopeKey))) {
        const file = view.files[place.get(fileId)!]!;
        for (const e of events) if (keep(e, file)) tally.add(e, file);
      }
    })();
    return tally.result();
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
    this.efficiencyFeed.take(view);
    this.now = { view, totals, generation: view.basis?.generation ?? 0 };
  }
}
