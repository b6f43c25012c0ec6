import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './paths.js';

/**
 * The reference tool, ccusage 20.0.24: its native binary, installed as a dev dependency. Named by
 * path, not through node_modules/.bin, where ccusage 18 (the benchmark's alias) claims the same name.
 */
export const CCUSAGE = join(ROOT, 'node_modules', '@ccusage', 'ccusage-linux-x64', 'bin', 'ccusage');

export function ccusageMissing(): string | false {
  if (!existsSync(CCUSAGE)) return `SKIPPED LOUDLY: ccusage not installed at ${CCUSAGE} (npm ci installs it)`;
  const r = spawnSync(CCUSAGE, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return `SKIPPED LOUDLY: ccusage does not run here: ${r.stderr || r.error}`;
  return false;
}

/** `ccusage claude daily --json --offline` on one Claude data folder, days in UTC. */
export function ccusageDaily(dataDir: string): any {
  const r = spawnSync(CCUSAGE, ['claude', 'daily', '--json', '--offline'], {
    encoding: 'utf8',
    env: { ...process.env, CLAUDE_CONFIG_DIR: dataDir, TZ: 'UTC' },
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) throw new Error(`ccusage failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
