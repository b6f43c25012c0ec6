/**
 * A copy of the ledger for safekeeping (the guide: "preserve usage data for accounting purposes"),
 * made with SQLite's online backup, so that processes writing the ledger meanwhile (serve, watch,
 * reports) are neither stopped nor copied half-way. The copy is written under a temporary name,
 * checked, and only then given its name: a killed or failed backup leaves no file that looks whole.
 */
import Database from 'better-sqlite3';
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface BackupResult {
  pages: number;
  bytes: number;
}

/** Why a backup was refused or failed, in the user's terms (the CLI maps it to an exit code). */
export class BackupError extends Error {
  constructor(
    message: string,
    /** The user asked for something that cannot be (no ledger there): else the backup failed. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

export async function backupLedger(from: string, to: string): Promise<BackupResult> {
  let src: Database.Database;
  try {
    src = new Database(from, { fileMustExist: true });
    // A ledger is a SQLite file with ccost's tables: a typo'd path to another file is refused before any copy.
    src.prepare('SELECT 1 FROM meta LIMIT 1').get();
  } catch (err) {
    throw new BackupError(`${from} is not a ledger ccost can read (${(err as Error).message})`, true);
  }
  const partial = `${to}.partial-${process.pid}`;
  removeDeadPartials(to);
  try {
    src.pragma('busy_timeout = 5000');
    // Every step after the first copies all that is left: one step reads one consistent state while
    // writers go on (the ledger keeps a write-ahead log), where small steps would start again each
    // time another process writes.
    const { totalPages } = await src.backup(partial, { progress: ({ totalPages: total }) => total });
    const copy = new Database(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`the copy does not check out (${String(check)}): the ledger at ${from} may be damaged; no backup was written`, false);
      // One self-contained file: a ledger opened from it goes back to a write-ahead log by itself.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, to);
    return { pages: totalPages, bytes: statSync(to).size };
  } catch (err) {
    for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(partial + suffix, { force: true });
    if (err instanceof BackupError) throw err;
    const code = String((err as { code?: unknown }).code ?? '');
    const why = code === 'SQLITE_FULL' || code === 'ENOSPC' ? 'the disk is full' : code === 'SQLITE_CANTOPEN' || code === 'ENOENT' ? 'the folder does not exist or cannot be written' : (err as Error).message;
    throw new BackupError(`cannot write the backup ${to}: ${why}; nothing was written`, false);
  } finally {
    src.close();
  }
}

/** What a killed backup to `to` left (its process gone): removed, so that killed runs do not pile up. */
function removeDeadPartials(to: string): void {
  const prefix = `${basename(to)}.partial-`;
  let names: string[];
  try {
    names = readdirSync(dirname(to));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1]);
    if (!pid || alive(pid)) continue;
    rmSync(join(dirname(to), name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
