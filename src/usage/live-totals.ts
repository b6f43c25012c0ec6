/**
 * Totals kept current as rows come and go, for the processes that keep running (`ccost watch`,
 * `alert --watch`): spend per period and key, and the active block, each brought up to date in time
 * proportional to the rows that changed, not to the history held. The numbers are those of
 * periodTotals and activeBlock over all the rows held (test/live-totals.test.ts). Pure.
 */
import { agentOf, BUCKET_MS, type CostedRow } from './aggregate.js';
import { buildBlocks, IDLE_BUCKETS, type Block } from './blocks.js';
import { KEY_OF, PeriodSums, type Period, type Spend, type TotalsKey } from './period-totals.js';
import type { Calendar } from './time.js';

const HOUR_BUCKETS = 3_600_000 / BUCKET_MS;

export class LiveTotals {
  private readonly byBucket = new Map<number, Set<CostedRow>>();
  /** The quarter hours holding rows, oldest first. */
  private readonly buckets: number[] = [];
  /** Made on first request, then kept current. */
  private readonly sums = new Map<string, PeriodSums>();
  /** The team of each agent's first row seen (an agent's files belong to one team context). */
  private readonly teams = new Map<string, string | null>();
  /**
   * A quarter hour where a block starts, found by the last activeBlock: the blocks from there on are
   * made from the rows from there on. It holds while no row before the end of its hour comes or goes
   * (such a row could move that block's start); where work never pauses for 5 hours, this spares
   * going back over all of history on every call.
   */
  private anchor: number | null = null;

  constructor(private readonly calendar: Calendar) {}

  static of(rows: Iterable<CostedRow>, calendar: Calendar): LiveTotals {
    const t = new LiveTotals(calendar);
    for (const c of rows) t.add(c);
    return t;
  }

  /**
   * Takes out rows added before and adds new ones. False, with nothing changed, when a row to take
   * out is not held (the caller then starts again from all rows).
   */
  apply(removed: readonly CostedRow[], added: readonly CostedRow[]): boolean {
    if (!removed.every((c) => this.byBucket.get(c.row.bucket)?.has(c))) return false;
    for (const c of removed) this.remove(c);
    for (const c of added) this.add(c);
    return true;
  }

  /** Cost and tokens per key in the period holding `now`. */
  period(period: Period, key: TotalsKey, now: number): Map<string, Spend> {
    const name = `${period}:${key}`;
    let sums = this.sums.get(name);
    if (!sums) {
      sums = new PeriodSums(this.calendar, period, KEY_OF[key]);
      for (const set of this.byBucket.values()) for (const c of set) sums.add(c);
      this.sums.set(name, sums);
    }
    return sums.at(now);
  }

  teamOf(agent: string): string | null {
    return this.teams.get(agent) ?? null;
  }

  /**
   * The block `now` is in, or null: activeBlock over the rows after the last idle stretch of 5 hours
   * or more before now (found by walking back over the quarter hours held; a block never spans such
   * a stretch, so that is the same block activeBlock finds among all rows).
   */
  activeBlock(now: number): Block | null {
    const b = this.buckets;
    let from = 0;
    if (this.anchor !== null && this.anchor * BUCKET_MS <= now) from = this.slot(this.anchor);
    else
      for (let i = b.length - 1; i > 0; i--)
        if (b[i]! - b[i - 1]! >= IDLE_BUCKETS && b[i]! * BUCKET_MS <= now) {
          from = i;
          break;
        }
    const rows: CostedRow[] = [];
    for (let i = from; i < b.length; i++) for (const c of this.byBucket.get(b[i]!)!) rows.push(c);
    const blocks = buildBlocks(rows, now);
    // The last block begun by now starts where the next call may start.
    for (let i = blocks.length - 1; i >= 0; i--)
      if (blocks[i]!.kind === 'block' && blocks[i]!.start <= now) {
        this.anchor = blocks[i]!.start / BUCKET_MS;
        break;
      }
    return blocks.find((x) => x.active) ?? null;
  }

  /** A row before the end of the anchor's hour moves it, perhaps. */
  private moved(bucket: number): void {
    if (this.anchor !== null && bucket < this.anchor + HOUR_BUCKETS) this.anchor = null;
  }

  private add(c: CostedRow): void {
    this.moved(c.row.bucket);
    let set = this.byBucket.get(c.row.bucket);
    if (!set) {
      this.byBucket.set(c.row.bucket, (set = new Set()));
      this.buckets.splice(this.slot(c.row.bucket), 0, c.row.bucket);
    }
    if (set.has(c)) return;
    set.add(c);
    for (const s of this.sums.values()) s.add(c);
    const agent = agentOf(c.file);
    if (!this.teams.has(agent)) this.teams.set(agent, c.file.team);
  }

  private remove(c: CostedRow): void {
    this.moved(c.row.bucket);
    const set = this.byBucket.get(c.row.bucket)!;
    set.delete(c);
    if (set.size === 0) {
      this.byBucket.delete(c.row.bucket);
      this.buckets.splice(this.slot(c.row.bucket), 1);
    }
    for (const s of this.sums.values()) s.add(c, -1);
  }

  /** Where a quarter hour is or would go in `buckets` (new ones are nearly always the last). */
  private slot(bucket: number): number {
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.buckets[mid]! < bucket) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
