/**
 * Where the user's price overrides are (usage/prices-file.ts reads them). Apart, so that a replay
 * (ledger/report-cache.ts) can stat the file without loading what prices a report.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The default override file. */
export function defaultOverridesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ccorc', 'prices.json');
}

/** The override file a run with these arguments reads (ledger/report-cache.ts keys replays on it). */
export function overridesPathOf(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--prices' && i + 1 < argv.length) return argv[i + 1]!;
    if (argv[i]!.startsWith('--prices=')) return argv[i]!.slice('--prices='.length);
  }
  return defaultOverridesPath(env);
}
