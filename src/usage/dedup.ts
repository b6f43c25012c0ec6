/**
 * Global dedup on the message id (DESIGN §2). Of the copies of one response, keep one by a total
 * order so the result never depends on the order files or hosts are read:
 * most tokens, then the non-sidechain copy, then the earliest timestamp, then the smallest
 * (host, file path, byte offset). Events without a message id cannot be matched: each counts once.
 */
import type { FileOrigin, UsageEvent } from './types.js';
import { eventTokens } from './types.js';

export type FilePlaces = ReadonlyArray<Pick<FileOrigin, 'host' | 'path'> | undefined>;

/** What deciding between copies needs of one copy: the ledger keeps this much of each winner. */
export interface CopyRank {
  tokens: number;
  sidechain: boolean;
  timestamp: number;
  fileIndex: number;
  offset: number;
}

/** Negative when the copy ranked `a` is the one to keep over `b`. */
export function preferRank(a: CopyRank, b: CopyRank, files: FilePlaces): number {
  if (a.tokens !== b.tokens) return b.tokens - a.tokens;
  if (a.sidechain !== b.sidechain) return a.sidechain ? 1 : -1;
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  const fa = files[a.fileIndex]!;
  const fb = files[b.fileIndex]!;
  if (fa.host !== fb.host) return fa.host < fb.host ? -1 : 1;
  if (fa.path !== fb.path) return fa.path < fb.path ? -1 : 1;
  return a.offset - b.offset;
}

export function rankOf(e: UsageEvent): CopyRank {
  return { tokens: eventTokens(e), sidechain: e.sidechain, timestamp: e.timestamp, fileIndex: e.fileIndex, offset: e.offset };
}

/** Negative when `a` is the copy to keep over `b`. */
export function preferCopy(a: UsageEvent, b: UsageEvent, files: FilePlaces): number {
  return preferRank(rankOf(a), rankOf(b), files);
}

export class Deduper<E extends UsageEvent = UsageEvent> {
  private readonly byId = new Map<string, E>();
  private readonly anonymous: E[] = [];
  /** Copies seen beyond the first, for reporting how much dedup removed. */
  duplicates = 0;

  constructor(private readonly files: FilePlaces) {}

  add(e: E): void {
    if (e.messageId === null) {
      this.anonymous.push(e);
      return;
    }
    const kept = this.byId.get(e.messageId);
    if (kept === undefined) {
      this.byId.set(e.messageId, e);
      return;
    }
    this.duplicates++;
    if (preferCopy(e, kept, this.files) < 0) this.byId.set(e.messageId, e);
  }

  addAll(events: Iterable<E>): void {
    for (const e of events) this.add(e);
  }

  /** The kept copy of each message id. */
  winners(): IterableIterator<E> {
    return this.byId.values();
  }

  *events(): IterableIterator<E> {
    yield* this.byId.values();
    yield* this.anonymous;
  }

  get size(): number {
    return this.byId.size + this.anonymous.length;
  }
}

/**
 * The best copy of each message id among one file's events (and every id-less event). Safe before
 * global dedup: whichever copy wins globally, no other copy from this file could have.
 */
export function bestWithinFile<E extends UsageEvent>(events: readonly E[]): E[] {
  if (events.length < 2) return [...events];
  const places: Array<{ host: string; path: string }> = [];
  places[events[0]!.fileIndex] = { host: '', path: '' }; // one file: host and path tie, offsets decide
  const d = new Deduper<E>(places);
  d.addAll(events);
  return [...d.events()].sort((a, b) => a.offset - b.offset);
}
