import { spawnSync } from 'node:child_process';
import { nativeCcusage } from '../../bench/reference-tools.js';

/** The reference tool, ccusage 20.0.24's native binary (a dev dependency). */
const CCUSAGE = nativeCcusage();

export function ccusageMissing(): string | false {
  if (!CCUSAGE) return 'SKIPPED LOUDLY: ccusage 20.0.24 is not installed (npm install installs it)';
  const r = spawnSync(CCUSAGE, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return `SKIPPED LOUDLY: ccusage does not run here: ${r.stderr || r.error}`;
  return false;
}

/** `ccusage claude daily --json --offline` on one Claude data folder, days in UTC. */
export function ccusageDaily(dataDir: string): any {
  const r = spawnSync(CCUSAGE!, ['claude', 'daily', '--json', '--offline'], {
    encoding: 'utf8',
    env: { ...process.env, CLAUDE_CONFIG_DIR: dataDir, TZ: 'UTC' },
    maxBuffer: 256 << 20,
  });
  if (r.status !== 0) throw new Error(`ccusage failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
