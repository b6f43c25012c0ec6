import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-seed-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
// The scripts run ccost with its default ledger: keep that one out of the user's cache.
const env = { ...process.env, TZ: 'UTC', CCORC_LEDGER: join(root, 'ledger.db') };

test('calculate-daily-costs.sh prints today\'s cost as a bare number bc can compare', () => {
  const proj = join(root, 'projects', '-w');
  mkdirSync(proj, { recursive: true });
  const now = new Date().toISOString();
  const yesterday = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const line = (id: string, ts: string, input: number, output: number) =>
    JSON.stringify({ type: 'assistant', timestamp: ts, requestId: `r${id}`, message: { id, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: input, output_tokens: output } } });
  writeFileSync(join(proj, 's.jsonl'), [line('m1', now, 100_000, 20_000), line('m2', yesterday, 1_000_000, 0)].join('\n') + '\n');
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'calculate-daily-costs.sh'), '--dir', root], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  // Today only: 100k input at $3/M + 20k output at $15/M = $0.30 + $0.30.
  assert.equal(r.stdout.trim(), '0.6000');
});

const noBc = spawnSync('bc', ['--version']).status === 0 ? false : 'SKIPPED LOUDLY: bc is not installed (.ci/run installs it)';
if (noBc) console.warn(noBc);

test("the seed guide's threshold check works as written", { skip: noBc }, () => {
  const script = `
cost=$(${join(ROOT, 'scripts', 'calculate-daily-costs.sh')} --dir ${root})
threshold=0.5
if (( $(echo "$cost > $threshold" | bc -l) )); then
  echo "Daily usage \\$$cost exceeds threshold \\$$threshold"
fi`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'Daily usage $0.6000 exceeds threshold $0.5');
});
