/**
 * What went wrong under the ledger, in the terms a report's note needs. A damaged file is moved
 * aside (kept for inspection, never deleted) and rebuilt; a full or failing disk leaves the ledger
 * where it is, since it is not the ledger's fault, and the report is made from the files.
 */
import { existsSync, renameSync } from 'node:fs';

export type LedgerFault = 'damaged' | 'full' | 'io' | 'busy' | 'readonly';

/** The fault an error from SQLite or the file system stands for; null for anything else (a bug). */
export function ledgerFault(err: unknown): LedgerFault | null {
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_') || code === 'SQLITE_NOTADB') return 'damaged';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') return 'busy';
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return 'readonly';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  return null;
}

export const FAULT_WORDS: Record<LedgerFault, string> = {
  damaged: 'is damaged',
  full: 'cannot be written: the disk is full',
  io: 'cannot be read or written (an I/O error)',
  busy: 'is busy in another process',
  readonly: 'cannot be written (permissions or a read-only place)',
};

/** Moves the ledger and its log aside; returns the new name. */
export function moveAside(path: string): string {
  const aside = `${path}.broken-${Date.now()}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  return aside;
}
