/**
 * ccost ledger backup FILE: a checked copy of the ledger, safe while other ccost processes write it.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { backupLedger, BackupError } from '../../ledger/backup.js';
import { defaultLedgerPath } from '../../ledger/default-path.js';
import { OperationFailed } from '../run.js';
import { UsageError } from '../common.js';

export function ledgerCommand(program: Command): void {
  const ledger = program.command('ledger').description('the ledger (SQLite) that keeps counted usage: backup');
  ledger
    .command('backup <file>')
    .description("copy the ledger to FILE with SQLite's online backup (other ccost processes may go on writing), checked before it takes FILE's name; the copy opens as a ledger (--ledger FILE)")
    .option('--ledger <path>', 'the ledger to copy (default: $CCORC_LEDGER, else ~/.cache/ccorc/ledger.db)')
    .option('-f, --force', 'replace FILE if it exists')
    .action(async (file: string, opts: { ledger?: string; force?: boolean }) => {
      const from = resolve(opts.ledger ?? defaultLedgerPath());
      const to = resolve(file);
      if (!existsSync(from)) throw new UsageError(`no ledger at ${from} (a report run such as \`ccost daily\` makes one)`);
      if (to === from) throw new UsageError('the backup cannot be the ledger itself');
      if (existsSync(to) && !opts.force) throw new UsageError(`${to} exists; --force replaces it`);
      try {
        const { bytes } = await backupLedger(from, to);
        process.stderr.write(`ccost ledger backup: ${from} copied to ${to} (${(bytes / 2 ** 20).toFixed(1)} MiB, checked)\n`);
      } catch (err) {
        if (err instanceof BackupError) throw err.refused ? new UsageError(err.message) : new OperationFailed(err.message);
        throw err;
      }
    });
}
