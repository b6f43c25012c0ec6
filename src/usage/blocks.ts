/**
 * 5-hour billing blocks. Pure.
 *
 * A block starts at its first activity floored to the UTC hour and covers [start, start + 5 h);
 * the first activity at or after its end starts the next block (a 5-hour gap always does, since it
 * reaches past the end). Idle time between blocks is a gap row. Because blocks start on whole hours
 * and rollup rows are quarter hours, blocks are computed exactly from rollup rows.
 */
import { BUCKET_MS, SYNTHETIC_MODEL, addTally, addTo, agentOf, emptyTally, totalsOf, type CostedRow, type Tally } from './aggregate.js';
import type { TokenTotals } from './types.js';

export const BLOCK_MS = 5 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export interface BurnRate {
  tokensPerMinute: number;
  costPerHour: number;
}

export interface Block {
  kind: 'block' | 'gap';
  start: number;
  end: number;
  firstActivity: number | null;
  lastActivity: number | null;
  active: boolean;
  totals: TokenTotals;
  models: string[];
  agents: string[];
  events: number;
  /** Finished blocks: over their activity (first to last); the active block: from its first activity to now. */
  burnRate: BurnRate | null;
  /** For the active block: where the burn rate takes it by the block's end. */
  projection: { totalTokens: number; totalCost: number; remainingMinutes: number } | null;
}

interface Bucket {
  ms: number;
  first: number;
  last: number;
  totals: Tally;
  models: Set<string>;
  agents: Set<string>;
  events: number;
}

function newBlock(start: number): Block {
  return { kind: 'block', start, end: start + BLOCK_MS, firstActivity: null, lastActivity: null, active: false, totals: totalsOf(emptyTally()), models: [], agents: [], events: 0, burnRate: null, projection: null };
}

export function buildBlocks(rows: readonly CostedRow[], now: number): Block[] {
  const buckets = new Map<number, Bucket>();
  for (const c of rows) {
    const r = c.row;
    let b = buckets.get(r.bucket);
    if (!b) buckets.set(r.bucket, (b = { ms: r.bucket * BUCKET_MS, first: r.firstTimestamp, last: r.lastTimestamp, totals: emptyTally(), models: new Set(), agents: new Set(), events: 0 }));
    b.first = Math.min(b.first, r.firstTimestamp);
    b.last = Math.max(b.last, r.lastTimestamp);
    addTo(b.totals, r, c.cost);
    if (r.model !== SYNTHETIC_MODEL) b.models.add(r.model);
    b.agents.add(agentOf(c.file));
    b.events += r.events;
  }
  const out: Block[] = [];
  let cur: Block | null = null;
  let models = new Set<string>();
  let agents = new Set<string>();
  let tally = emptyTally();
  const close = () => {
    if (!cur) return;
    cur.totals = totalsOf(tally);
    cur.models = [...models].sort();
    cur.agents = [...agents].sort();
    out.push(cur);
  };
  for (const b of [...buckets.values()].sort((x, y) => x.ms - y.ms)) {
    if (!cur || b.ms >= cur.end) {
      const prevEnd: number | null = cur ? cur.end : null;
      close();
      cur = newBlock(Math.floor(b.first / HOUR_MS) * HOUR_MS);
      models = new Set();
      agents = new Set();
      tally = emptyTally();
      if (prevEnd !== null && cur.start > prevEnd) out.push({ ...newBlock(prevEnd), kind: 'gap', end: cur.start });
    }
    cur.firstActivity = Math.min(cur.firstActivity ?? b.first, b.first);
    cur.lastActivity = Math.max(cur.lastActivity ?? b.last, b.last);
    addTally(tally, b.totals);
    cur.events += b.events;
    for (const m of b.models) models.add(m);
    for (const a of b.agents) agents.add(a);
  }
  close();
  for (const blk of out) {
    if (blk.kind !== 'block' || blk.firstActivity === null || blk.lastActivity === null) continue;
    blk.active = now >= blk.start && now < blk.end;
    // A finished block burned over its activity; the active one burns until now (at least a minute),
    // so a burst of a few seconds does not read as thousands of dollars an hour.
    const minutes = blk.active ? Math.max(1, (now - blk.firstActivity) / 60_000) : (blk.lastActivity - blk.firstActivity) / 60_000;
    if (minutes > 0) blk.burnRate = { tokensPerMinute: blk.totals.totalTokens / minutes, costPerHour: (blk.totals.totalCost / minutes) * 60 };
    if (blk.active) {
      const remainingMinutes = Math.max(0, (blk.end - now) / 60_000);
      const rate = blk.burnRate ?? { tokensPerMinute: 0, costPerHour: 0 };
      blk.projection = {
        totalTokens: Math.round(blk.totals.totalTokens + rate.tokensPerMinute * remainingMinutes),
        totalCost: blk.totals.totalCost + (rate.costPerHour / 60) * remainingMinutes,
        remainingMinutes,
      };
    }
  }
  return out;
}

/** Quarter hours between two active ones that guarantee 5 idle hours: no block spans them. */
export const IDLE_BUCKETS = Math.ceil(BLOCK_MS / BUCKET_MS) + 1;

/**
 * The block `now` is in, or null. The same as buildBlocks' active block, from only the rows after the
 * last idle stretch of 5 hours or more (a block never spans one, so blocks before it cannot move
 * the ones after): a live view redraws in time proportional to recent activity, not to history.
 */
export function activeBlock(rows: readonly CostedRow[], now: number): Block | null {
  const buckets = [...new Set(rows.map((c) => c.row.bucket))].sort((a, b) => b - a);
  let from = -Infinity;
  for (let i = 1; i < buckets.length; i++)
    if (buckets[i - 1]! - buckets[i]! >= IDLE_BUCKETS && buckets[i - 1]! * BUCKET_MS <= now) {
      from = buckets[i - 1]!;
      break;
    }
  const recent = from === -Infinity ? rows : rows.filter((c) => c.row.bucket >= from);
  return buildBlocks(recent, now).find((b) => b.active) ?? null;
}

/** `max`: the largest total of any finished block (what the user has proven they can reach). */
export function resolveTokenLimit(limit: string | undefined, blocks: readonly Block[]): number | null {
  if (limit === undefined) return null;
  if (limit === 'max') {
    const done = blocks.filter((b) => b.kind === 'block' && !b.active).map((b) => b.totals.totalTokens);
    return done.length ? Math.max(...done) : null;
  }
  return Number(limit);
}
