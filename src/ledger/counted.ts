/**
 * The responses the ledger counts, read back from its log: what `tail --from-start` reports and what
 * the server's efficiency report is made of. Each message counts once, as the copy its file's dedup
 * winners name; every response without an id counts.
 */
import { decodeEvents } from '../usage/event-codec.js';
import { decodeFileWinners, keptEvents, type FileWinners } from '../usage/winners.js';
import type { FileId, UsageEvent } from '../usage/types.js';
import type { LedgerStore } from './store.js';

export type WinnersOf = (fileId: FileId) => FileWinners | undefined;

/** Every file's winners in a scope's rollups, decoded (message id → the copy counted), by ledger file id. */
export function winnersByFile(store: LedgerStore, scopeKey: string): Map<number, FileWinners> {
  return new Map(store.rollups.scopeWinners(scopeKey).map((w) => [w.fileId as number, decodeFileWinners(w.winners, w.fileId)]));
}

/** The same, each file's read and decoded only when asked for (one file's ids in memory at a time, not all 140,000 at 1 GiB). */
export function lazyWinners(store: LedgerStore, scopeKey: string): WinnersOf {
  return (fileId) => {
    const enc = store.rollups.fileWinners(scopeKey, fileId);
    return enc ? decodeFileWinners(enc, fileId) : undefined;
  };
}

/** The counted responses of one file (its segments and its winners read alone: for a few files, not all). */
export function countedIn(store: LedgerStore, scopeKey: string, fileId: FileId): UsageEvent<FileId>[] {
  const all = store.log.segmentsOf(fileId).flatMap((s) => decodeEvents(s.events, fileId));
  return keptEvents(all, lazyWinners(store, scopeKey)(fileId) ?? new Map());
}

/** The counted responses of some files, file by file in offset order: one file's at a time in memory. */
export function* countedEvents(store: LedgerStore, fileIds: ReadonlySet<number>, winnersOf: WinnersOf): Generator<{ fileId: FileId; events: UsageEvent<FileId>[] }> {
  for (const { fileId, events } of store.log.segmentsByFile(fileIds)) {
    const all = events.flatMap((e) => decodeEvents(e, fileId));
    yield { fileId, events: keptEvents(all, winnersOf(fileId) ?? new Map()) };
  }
}
