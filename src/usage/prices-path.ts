/**
 * Where the user's price overrides are (usage/prices-file.ts reads them). Apart, so that a replay
 * (ledger/report-cache.ts) can stat the file without loading what prices a report.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { optionValue } from '../util/argv.js';

/** The default override file. */
export function defaultOverridesPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'ccorc', 'prices.json');
}

/** The override file a run with these arguments reads (ledger/report-cache.ts keys replays on it). */
export function overridesPathOf(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return optionValue(argv, '--prices') ?? defaultOverridesPath(env);
}
