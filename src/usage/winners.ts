/**
 * The dedup winners of a set of files, kept between runs so that new events can be deduplicated
 * against everything counted before without reading it again: per message id, the rank of the copy
 * kept (see dedup.ts), which says where it is. Pure: the ledger stores a base index (encoded here)
 * and the winners changed since it was written (a table), and asks these functions what changes.
 */
import { preferRank, rankOf, type CopyRank, type FilePlaces } from './dedup.js';
import type { UsageEvent } from './types.js';

/** Per winner, in `nums`: file (ledger file id), byte offset, tokens, timestamp, sidechain (0/1). */
const FIELDS = 5;

/** Ranks of winners; `fileIndex` of each rank is a ledger file id. */
export interface WinnerIndex {
  ids: string[];
  nums: Float64Array;
}

export interface EncodedWinners {
  ids: string;
  nums: Buffer;
}

/** The winner of an id as the current state of the ledger has it (base, or a later change), if any. */
export type WinnerOf = (id: string) => CopyRank | undefined;

/** From dedup's winners (one event per id, at most `count`); `fileIndex` of each is a ledger file id. */
export function winnersFrom(events: Iterable<UsageEvent>, count: number): WinnerIndex {
  const ids: string[] = [];
  const nums = new Float64Array(count * FIELDS);
  for (const e of events) {
    if (e.messageId === null) continue;
    if (ids.length === count) throw new Error('winnersFrom: more winners than announced');
    setRank(nums, ids.length, rankOf(e));
    ids.push(e.messageId);
  }
  return { ids, nums: nums.subarray(0, ids.length * FIELDS) };
}

function setRank(nums: Float64Array, i: number, r: CopyRank): void {
  const o = i * FIELDS;
  nums[o] = r.fileIndex;
  nums[o + 1] = r.offset;
  nums[o + 2] = r.tokens;
  nums[o + 3] = r.timestamp;
  nums[o + 4] = r.sidechain ? 1 : 0;
}

function indexOf(ranks: ReadonlyMap<string, CopyRank>): WinnerIndex {
  const ids = [...ranks.keys()];
  const nums = new Float64Array(ids.length * FIELDS);
  let i = 0;
  for (const r of ranks.values()) setRank(nums, i++, r);
  return { ids, nums };
}

export function encodeWinners(w: WinnerIndex): EncodedWinners {
  return { ids: JSON.stringify(w.ids), nums: Buffer.from(w.nums.buffer, w.nums.byteOffset, w.ids.length * FIELDS * 8) };
}

export function decodeWinners(e: EncodedWinners): WinnerIndex {
  const ids = JSON.parse(e.ids) as string[];
  if (e.nums.byteLength !== ids.length * FIELDS * 8) throw new Error(`winner index damaged: ${ids.length} ids but ${e.nums.byteLength} bytes of ranks`);
  // Copy into an aligned buffer: a stored blob need not be 8-byte aligned.
  const nums = new Float64Array(ids.length * FIELDS);
  new Uint8Array(nums.buffer).set(e.nums);
  return { ids, nums };
}

function rankAt(nums: Float64Array, i: number): CopyRank {
  const o = i * FIELDS;
  return { fileIndex: nums[o]!, offset: nums[o + 1]!, tokens: nums[o + 2]!, timestamp: nums[o + 3]!, sidechain: nums[o + 4] === 1 };
}

/** The base's ranks of the given ids (one pass over the base: a run adds few ids to many stored). */
export function findInBase(base: WinnerIndex, ids: ReadonlySet<string>): Map<string, CopyRank> {
  const out = new Map<string, CopyRank>();
  if (ids.size === 0) return out;
  for (let i = 0; i < base.ids.length; i++) if (ids.has(base.ids[i]!)) out.set(base.ids[i]!, rankAt(base.nums, i));
  return out;
}

/** For each of the given files, the base's winners in it: message id → byte offset. */
export function baseWinnersIn(base: WinnerIndex, files: ReadonlySet<number>): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const f of files) out.set(f, new Map());
  for (let i = 0; i < base.ids.length; i++) {
    const m = out.get(base.nums[i * FIELDS]!);
    if (m) m.set(base.ids[i]!, base.nums[i * FIELDS + 1]!);
  }
  return out;
}

export interface WinnerUpdate {
  /** Ids whose winner is now one of the new events. */
  updates: Map<string, CopyRank>;
  /** Files whose kept events changed: a new winner arrived, or a winner was taken from them. */
  changed: Set<number>;
}

/**
 * Deduplicates new events against the kept winners: each new copy is kept if it beats the kept one
 * (or is the first of its id); every id-less event counts. `places` gives host and path by ledger
 * file id, for ties.
 */
export function addToWinners(winnerOf: WinnerOf, events: readonly UsageEvent[], places: FilePlaces): WinnerUpdate {
  const updates = new Map<string, CopyRank>();
  const changed = new Set<number>();
  for (const e of events) {
    if (e.messageId === null) {
      changed.add(e.fileIndex);
      continue;
    }
    const kept = updates.get(e.messageId) ?? winnerOf(e.messageId);
    const rank = rankOf(e);
    if (kept === undefined || preferRank(rank, kept, places) < 0) {
      if (kept !== undefined) changed.add(kept.fileIndex);
      changed.add(e.fileIndex);
      updates.set(e.messageId, rank);
    }
  }
  return { updates, changed };
}

/** The base with later winners put in: what the ledger writes when the changes have piled up. */
export function mergeWinners(base: WinnerIndex, later: ReadonlyMap<string, CopyRank>): WinnerIndex {
  const ranks = new Map<string, CopyRank>();
  for (let i = 0; i < base.ids.length; i++) if (!later.has(base.ids[i]!)) ranks.set(base.ids[i]!, rankAt(base.nums, i));
  for (const [id, r] of later) ranks.set(id, r);
  return indexOf(ranks);
}

/**
 * The events of one file that dedup keeps, given the file's kept copies (message id → byte offset):
 * every event without a message id, and for each id only the copy at the kept offset.
 */
export function keptEvents(events: readonly UsageEvent[], kept: ReadonlyMap<string, number>): UsageEvent[] {
  const left = new Map(kept);
  const out: UsageEvent[] = [];
  for (const e of events) {
    if (e.messageId === null) out.push(e);
    else if (left.get(e.messageId) === e.offset) {
      out.push(e);
      left.delete(e.messageId);
    }
  }
  return out;
}
