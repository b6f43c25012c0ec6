/**
 * Small things a new user met in the reports: long project names cut so that they still differ,
 * blocks --active with blocks but none active, a response's cost in tail, and "no price known"
 * only for models the report's rows use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ccost, TEST_LEDGER } from './helpers/cli.js';
import { CCOST } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-details-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const line = (id: string, ts: string, model: string, output: number) => JSON.stringify({ type: 'assistant', timestamp: ts, sessionId: 's', message: { id, model, usage: { input_tokens: 0, output_tokens: output } } });

function data(name: string, files: Record<string, string[]>): string {
  const dir = join(root, name);
  for (const [rel, lines] of Object.entries(files)) {
    mkdirSync(join(dir, 'projects', rel, '..'), { recursive: true });
    writeFileSync(join(dir, 'projects', rel), lines.join('\n') + '\n');
  }
  return dir;
}

test('project names too long for the column keep their distinguishing end', () => {
  const long = '-home-someone-work-clients-acme-projects-platform';
  const dir = data('names', {
    [`${long}-alpha-service/s.jsonl`]: [line('a', '2025-10-01T10:00:00Z', 'claude-sonnet-4-5-20250929', 10)],
    [`${long}-beta-service/s.jsonl`]: [line('b', '2025-10-01T10:00:00Z', 'claude-sonnet-4-5-20250929', 10)],
  });
  const out = ccost(['project', '--dir', dir, '--no-ledger']).stdout;
  assert.match(out, /…\S*alpha-service/);
  assert.match(out, /…\S*beta-service/);
});

test('blocks --active when there are blocks but none is active says so', () => {
  const dir = data('blocks', { '-w/s.jsonl': [line('b1', '2025-10-01T10:00:00Z', 'claude-sonnet-4-5-20250929', 10)] });
  const r = ccost(['blocks', '--active', '--dir', dir, '--no-ledger', '--now', '2025-10-02T10:00:00Z']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), 'No active block: 1 block(s) in all, the last ended 2025-10-01 15:00 UTC.');
  assert.equal(ccost(['blocks', '--active', '--dir', join(root, 'nothing-here'), '--no-ledger']).stdout.trim(), 'No usage blocks found.');
});

test('unpricedModels and the no-price note name only models the report uses', () => {
  const dir = data('unpriced', { '-w/s.jsonl': [line('u1', '2025-09-15T10:00:00Z', 'mystery-model-9', 10), line('u2', '2025-10-01T10:00:00Z', 'claude-sonnet-4-5-20250929', 10)] });
  assert.deepEqual(JSON.parse(ccost(['daily', '--json', '--dir', dir, '--no-ledger', '-z', 'UTC']).stdout).unpricedModels, ['mystery-model-9']);
  assert.deepEqual(JSON.parse(ccost(['daily', '--json', '--dir', dir, '--no-ledger', '-z', 'UTC', '--since', '2025-10-01']).stdout).unpricedModels, []);
  assert.doesNotMatch(ccost(['daily', '--dir', dir, '--no-ledger', '-z', 'UTC', '--since', '2025-10-01']).stdout, /No price known/);
});

test('tail shows a response that costs less than a cent with its digits', async () => {
  const dir = data('tail', { '-w/s.jsonl': [] });
  // 300 output tokens of Sonnet 4.5 at $15 per million: $0.0045.
  const p = spawn(process.execPath, [CCOST, 'tail', '--dir', dir, '--ledger', TEST_LEDGER], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  test.after(() => p.kill('SIGKILL'));
  for (let i = 0; i < 200 && !err.includes('following'); i++) await sleep(25);
  appendFileSync(join(dir, 'projects', '-w', 's.jsonl'), line('t1', new Date().toISOString(), 'claude-sonnet-4-5-20250929', 300) + '\n');
  for (let i = 0; i < 200 && !out.includes('\n'); i++) await sleep(25);
  p.kill('SIGINT');
  assert.match(out, /\$0\.0045/);
});

test('doctor gives the ledger\'s size with its write-ahead log', () => {
  const dir = data('doctor', { '-w/s.jsonl': [line('d1', '2025-10-01T10:00:00Z', 'claude-sonnet-4-5-20250929', 10)] });
  const ledger = join(root, 'doctor-ledger.db');
  assert.equal(ccost(['daily', '--dir', dir, '--ledger', ledger]).code, 0);
  const reported = JSON.parse(ccost(['doctor', '--json', '--dir', dir, '--ledger', ledger]).stdout).ledger.bytes;
  const wal = statSync(`${ledger}-wal`).size;
  assert.ok(wal > 0, 'the log holds pages (ccost leaves it for the next run)');
  assert.equal(reported, statSync(ledger).size + wal);
});
