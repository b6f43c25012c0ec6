/**
 * The dedup winners of a set of files, kept between runs so that new events can be deduplicated
 * against everything counted before without reading it again. Each file keeps its own winners (per
 * message id, the rank of the copy kept there: see dedup.ts), and one small index maps a hash of
 * every winning id to the file that holds it, so that a run looks at only the files its new ids
 * point to. Pure: the ledger stores the encoded forms.
 */
import { preferRank, rankOf, type CopyRank, type FilePlaces } from './dedup.js';
import type { UsageEvent } from './types.js';

/** A file's winners: message id → rank (`fileIndex` of each rank is the file's ledger id). */
export type FileWinners = Map<string, CopyRank>;

export interface EncodedFileWinners {
  /** JSON array of the message ids. */
  ids: string;
  /** Per id: byte offset, tokens, timestamp, sidechain (0/1). */
  nums: Float64Array;
}

const FIELDS = 4;

export function encodeFileWinners(w: FileWinners): EncodedFileWinners {
  return encodeWinnerList([...w.keys()], (id) => w.get(id)!);
}

/** The same encoding from a list of ids and their ranks. */
export function encodeWinnerList(ids: readonly string[], rankOf: (id: string) => CopyRank): EncodedFileWinners {
  const nums = new Float64Array(ids.length * FIELDS);
  ids.forEach((id, i) => {
    const r = rankOf(id);
    const o = i * FIELDS;
    nums[o] = r.offset;
    nums[o + 1] = r.tokens;
    nums[o + 2] = r.timestamp;
    nums[o + 3] = r.sidechain ? 1 : 0;
  });
  return { ids: JSON.stringify(ids), nums };
}

export function decodeFileWinners(e: EncodedFileWinners, fileId: number): FileWinners {
  const ids = JSON.parse(e.ids) as string[];
  if (e.nums.length !== ids.length * FIELDS) throw new Error(`stored winners damaged: ${ids.length} ids but ${e.nums.length} numbers`);
  const out: FileWinners = new Map();
  ids.forEach((id, i) => {
    const o = i * FIELDS;
    out.set(id, { fileIndex: fileId, offset: e.nums[o]!, tokens: e.nums[o + 1]!, timestamp: e.nums[o + 2]!, sidechain: e.nums[o + 3] === 1 });
  });
  return out;
}

/** 32-bit FNV-1a of the id's UTF-16 code units. */
export function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const key = (id: string, fileId: number) => (BigInt(hashId(id)) << 32n) | BigInt(fileId);

/** Sorted (hash of id, file id) pairs, one per winner (two ids of one hash in one file: the pair twice). */
export type WinnerIndex = BigUint64Array;

export function buildIndex(entries: Iterable<[id: string, fileId: number]>, count: number): WinnerIndex {
  const out = new BigUint64Array(count);
  let n = 0;
  for (const [id, f] of entries) out[n++] = key(id, f);
  return out.subarray(0, n).sort();
}

function lowerBound(index: BigUint64Array, k: bigint): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid]! < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bump(m: Map<bigint, number>, k: bigint, by: number): void {
  const n = (m.get(k) ?? 0) + by;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

/**
 * An index as stored: a base, written when all rollups are rebuilt, and the pairs added and removed
 * since, a few kilobytes rewritten on each update instead of the whole base (about 8 bytes per
 * winner, a megabyte per 150,000). The changes are folded into a new base once they pile up.
 */
export class WinnerIndexView {
  private readonly addedSorted: BigUint64Array;

  private constructor(
    readonly base: WinnerIndex,
    private readonly added: Map<bigint, number>,
    private readonly removed: Map<bigint, number>,
  ) {
    this.addedSorted = BigUint64Array.from([...added.keys()]).sort();
  }

  /** From a base and its stored changes (encodeChanges), if any. */
  static of(base: WinnerIndex, changes?: BigUint64Array): WinnerIndexView {
    const added = new Map<bigint, number>();
    const removed = new Map<bigint, number>();
    if (changes && changes.length > 0) {
      const nAdded = Number(changes[0]!);
      for (let i = 1; i < changes.length; i++) bump(i <= nAdded ? added : removed, changes[i]!, 1);
    }
    return new WinnerIndexView(base, added, removed);
  }

  /** Pairs added or removed since the base. */
  get changeCount(): number {
    let n = 0;
    for (const c of this.added.values()) n += c;
    for (const c of this.removed.values()) n += c;
    return n;
  }

  candidates(id: string): number[] {
    const h = BigInt(hashId(id));
    const out = new Set<number>();
    const b = this.base;
    for (let i = lowerBound(b, h << 32n); i < b.length && b[i]! >> 32n === h; ) {
      const k = b[i]!;
      let count = 0;
      while (i < b.length && b[i] === k) {
        count++;
        i++;
      }
      if (count + (this.added.get(k) ?? 0) - (this.removed.get(k) ?? 0) > 0) out.add(Number(k & 0xffffffffn));
    }
    const a = this.addedSorted;
    for (let i = lowerBound(a, h << 32n); i < a.length && a[i]! >> 32n === h; i++) out.add(Number(a[i]! & 0xffffffffn));
    return [...out];
  }

  /** The view with winners moved or added (`removed`: their old places). */
  with(removed: ReadonlyArray<[string, number]>, added: ReadonlyArray<[string, number]>): WinnerIndexView {
    const a = new Map(this.added);
    const r = new Map(this.removed);
    for (const [id, f] of removed) {
      const k = key(id, f);
      if (a.has(k)) bump(a, k, -1);
      else bump(r, k, 1);
    }
    for (const [id, f] of added) {
      const k = key(id, f);
      if (r.has(k)) bump(r, k, -1);
      else bump(a, k, 1);
    }
    return new WinnerIndexView(this.base, a, r);
  }

  /** The changes, for the ledger: [number of added pairs, added..., removed...]. */
  encodeChanges(): BigUint64Array {
    const added: bigint[] = [];
    const removed: bigint[] = [];
    for (const [k, c] of this.added) for (let i = 0; i < c; i++) added.push(k);
    for (const [k, c] of this.removed) for (let i = 0; i < c; i++) removed.push(k);
    return BigUint64Array.from([BigInt(added.length), ...added, ...removed]);
  }

  /** The base with the changes applied. */
  folded(): WinnerIndex {
    const left = new Map(this.removed);
    const kept: bigint[] = [];
    const merged: bigint[] = [];
    for (const k of this.base) {
      if (left.has(k)) bump(left, k, -1);
      else kept.push(k);
    }
    for (const [k, c] of this.added) for (let i = 0; i < c; i++) merged.push(k);
    const out = new BigUint64Array(kept.length + merged.length);
    out.set(kept);
    out.set(merged, kept.length);
    return out.sort();
  }
}

export interface WinnerUpdate {
  /** Ids whose winner is now one of the new events, with the winner they had before (if any). */
  updates: Map<string, { rank: CopyRank; was: CopyRank | undefined }>;
  /** Files whose kept events changed: a new winner arrived, or a winner was taken from them. */
  changed: Set<number>;
}

/**
 * Deduplicates new events against the kept winners (`winnerOf`): each new copy is kept if it beats the
 * kept one (or is the first of its id); every id-less event counts. `places` gives host and path by
 * ledger file id, for ties.
 */
export function addToWinners(winnerOf: (id: string) => CopyRank | undefined, events: readonly UsageEvent[], places: FilePlaces): WinnerUpdate {
  const updates: WinnerUpdate['updates'] = new Map();
  const changed = new Set<number>();
  for (const e of events) {
    if (e.messageId === null) {
      changed.add(e.fileIndex);
      continue;
    }
    const pending = updates.get(e.messageId);
    const kept = pending ? pending.rank : winnerOf(e.messageId);
    const rank = rankOf(e);
    if (kept === undefined || preferRank(rank, kept, places) < 0) {
      if (kept !== undefined) changed.add(kept.fileIndex);
      changed.add(e.fileIndex);
      updates.set(e.messageId, { rank, was: pending ? pending.was : kept });
    }
  }
  return { updates, changed };
}

/**
 * The events of one file that dedup keeps, given the file's winners: every event without a message
 * id, and for each id only the copy at the winner's offset.
 */
export function keptEvents<E extends UsageEvent>(events: readonly E[], winners: ReadonlyMap<string, CopyRank>): E[] {
  const taken = new Set<string>();
  const out: E[] = [];
  for (const e of events) {
    if (e.messageId === null) out.push(e);
    else if (winners.get(e.messageId)?.offset === e.offset && !taken.has(e.messageId)) {
      out.push(e);
      taken.add(e.messageId);
    }
  }
  return out;
}
