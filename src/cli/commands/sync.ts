/**
 * ccost sync: the command's options; the run (sync-run.ts, with the PostgreSQL client) loads only
 * when the command runs, not with every other ccost command.
 */
import type { Command } from 'commander';
import { addSourceOptions, positiveNumber } from '../common.js';

export function syncCommand(program: Command): void {
  const cmd = program
    .command('sync')
    .description("push this host's ledger to the fleet's PostgreSQL (every host's spend in one place; any host reports over it with --from)")
    .option('--to <url>', 'postgres://user@host:port/database (default: $CCOST_FLEET_URL; keep the password in $PGPASSWORD or ~/.pgpass)')
    .option('-w, --watch', 'sync again every --interval seconds, and keep retrying while the database is down')
    .option('--interval <seconds>', 'seconds between syncs with --watch', positiveNumber, 60)
    .option('--batch <events>', 'responses per transaction', positiveNumber, 5000)
    .option('--timeout <seconds>', 'how long connecting, or one batch, may take before the sync gives up (exit 75; --watch tries again): a cut link drops packets and nothing else would end the wait', positiveNumber, 60)
    .option('--host-name <name>', "this host's name in fleet reports (default: the machine's host name)");
  addSourceOptions(cmd).action(async (opts) => (await import('./sync-run.js')).runSync(opts));
}
