/**
 * Where the ledger is when `--ledger` does not say: its own module, since the replay check
 * (ledger/report-cache.ts) needs the same rule without loading the CLI.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $CCORC_LEDGER, else $XDG_CACHE_HOME/ccorc/ledger.db (~/.cache/ccorc/ledger.db). */
export function defaultLedgerPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CCORC_LEDGER) return env.CCORC_LEDGER;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ccorc', 'ledger.db');
}
