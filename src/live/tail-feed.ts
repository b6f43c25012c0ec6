/**
 * `ccost tail` as a consumer of the one follower: each round brings the ledger up to date with what
 * changed (ledger/live-view.ts: the same discovery, file identity, fingerprints, offsets and partial
 * lines as every report) and reads the ledger's log of what that added (segments newer than the last
 * round), whichever process read it. A response is reported when its id is new, and again (marked
 * `replaces`) when a larger copy arrives, as the final line of a streamed response does; a copy
 * read again (a file rewritten in place, truncated, replaced or re-created) is not repeated. It
 * starts at the end: what the ledger already holds is reported only with --from-start.
 */
import type { LiveView } from '../ledger/live-view.js';
import type { LedgerStore } from '../ledger/store.js';
import type { UsageView } from '../ledger/view.js';
import { decodeEvents } from '../usage/event-codec.js';
import { countedEvents, winnersByFile } from '../ledger/counted.js';
import { eventTokens, type FileOrigin, type UsageEvent } from '../usage/types.js';
import { SeenCopies } from './seen-copies.js';

export interface TailEvent {
  event: UsageEvent;
  file: FileOrigin;
  /** A larger copy of a response reported before (its counts are complete, not a difference). */
  replaces: boolean;
}

/**
 * Whether to report a copy, given the copy of each response last reported (or counted before tail
 * started), which a later copy must beat: null: no; else whether it replaces one reported before.
 */
function take(seen: SeenCopies, e: UsageEvent): boolean | null {
  if (e.messageId === null) return false;
  const tokens = eventTokens(e);
  const before = seen.get(e.messageId);
  const larger = !before || tokens > before.tokens || (tokens === before.tokens && before.sidechain && !e.sidechain);
  if (!larger) return null;
  seen.set(e.messageId, { tokens, sidechain: e.sidechain });
  return before !== undefined;
}

export class TailFeed {
  private readonly seen = new SeenCopies();
  private generation = -1;
  private origins = new Map<number, FileOrigin>();
  /** The arrays `origins` was made from. */
  private learned: { ids: readonly number[]; files: readonly FileOrigin[] } | null = null;

  constructor(
    private readonly store: LedgerStore,
    private readonly live: LiveView,
    private readonly scopeKey: string,
  ) {}

  /** Brings the ledger up to date and learns what it counts; with `fromStart`, returns those responses (oldest first). */
  async start(fromStart: boolean): Promise<TailEvent[]> {
    const view = await this.live.view(true);
    this.learn(view);
    this.generation = view.basis?.generation ?? 0;
    const winners = winnersByFile(this.store, this.scopeKey);
    for (const w of winners.values()) for (const [id, r] of w) this.seen.set(id, { tokens: r.tokens, sidechain: r.sidechain });
    if (!fromStart) return [];
    const out: TailEvent[] = [];
    for (const { fileId, events } of countedEvents(this.store, new Set(this.origins.keys()), (id) => winners.get(id))) {
      const file = this.origins.get(fileId)!;
      for (const e of events) out.push({ event: e, file, replaces: false });
    }
    return out.sort((a, b) => a.event.timestamp - b.event.timestamp || a.event.fileIndex - b.event.fileIndex || a.event.offset - b.event.offset);
  }

  /**
   * Takes over from a feed whose ledger failed, on a ledger of its own: its first sync reads the files
   * whole, and what the other feed saw is not reported again while what it missed is (responses
   * without an id cannot be told apart, and are left out of this one round).
   */
  async takeOver(from: TailFeed): Promise<TailEvent[]> {
    this.seen.addAll(from.seen);
    this.generation = -1;
    return this.round(true, null, false);
  }

  /** One round: what the files gained since the last, as responses to report. */
  async round(walk: boolean, paths: ReadonlySet<string> | null, anonymous = true): Promise<TailEvent[]> {
    const view = await this.live.view(walk, paths);
    const generation = view.basis?.generation ?? this.generation;
    if (generation === this.generation) return [];
    this.learn(view);
    const out: TailEvent[] = [];
    for (const seg of this.store.log.segmentsSince(this.generation)) {
      const file = this.origins.get(seg.fileId);
      if (!file) continue; // another data folder's
      for (const e of decodeEvents(seg.events, seg.fileId)) {
        const t = e.messageId === null && !anonymous ? null : this.take(e);
        if (t !== null) out.push({ event: e, file, replaces: t });
      }
    }
    this.generation = generation;
    return out;
  }

  /**
   * The responses the ledger gained after generation `from` up to this feed's, as a round would have
   * reported them to someone who saw nothing since (a stream client coming back).
   */
  since(from: number): TailEvent[] {
    const seen = new SeenCopies();
    const out: TailEvent[] = [];
    for (const seg of this.store.log.segmentsSince(from, this.generation)) {
      const file = this.origins.get(seg.fileId);
      if (!file) continue;
      for (const e of decodeEvents(seg.events, seg.fileId)) {
        const t = take(seen, e);
        if (t !== null) out.push({ event: e, file, replaces: t });
      }
    }
    return out;
  }

  /** Whether to report a copy (null: no; else whether it replaces one reported before). */
  private take(e: UsageEvent): boolean | null {
    return take(this.seen, e);
  }

  /** The folders the last round's walk listed (to be watched). */
  folders(): readonly string[] {
    return this.live.folders();
  }

  private learn(view: UsageView): void {
    const ids = view.basis?.fileIds ?? [];
    // A live round that only changed rows hands on the same arrays of files and ids (a file that
    // comes makes new ones).
    if (this.learned?.ids === ids && this.learned.files === view.files) return;
    this.learned = { ids, files: view.files };
    this.origins = new Map(ids.map((id, i) => [id, view.files[i]!]));
  }

}
