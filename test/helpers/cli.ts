import { spawnSync } from 'node:child_process';
import { CCOST } from './paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs ccost as a user would (a child process, no shell). */
export function ccost(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [CCOST, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    maxBuffer: 256 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function ccostJson(args: string[], env: NodeJS.ProcessEnv = {}): any {
  const r = ccost([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`ccost ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
