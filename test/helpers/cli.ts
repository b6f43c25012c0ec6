import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CCOST } from './paths.js';

// Tests never touch the user's ledger: each test process gets its own.
const ledgerDir = mkdtempSync(join(tmpdir(), 'ccost-ledger-'));
export const TEST_LEDGER = join(ledgerDir, 'ledger.db');
process.on('exit', () => rmSync(ledgerDir, { recursive: true, force: true }));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs ccost as a user would (a child process, no shell). */
export function ccost(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [CCOST, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', CCORC_LEDGER: TEST_LEDGER, ...env },
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function ccostJson(args: string[], env: NodeJS.ProcessEnv = {}): any {
  const r = ccost([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`ccost ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
