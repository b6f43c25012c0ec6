/**
 * Records that look like usage but cannot be: counts too large to be exact, days and times that do
 * not exist, usage that is not an object, and lines that cannot be a record at all. Each is skipped
 * and counted (issue: 1e308 made totals Infinity; 2025-02-30 and T24:00 passed; these lines went
 * uncounted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost } from './helpers/cli.js';
import { parseTimestamp } from '../src/usage/parse.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-valid-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const rec = (id: string, ts: string, usage: unknown) => JSON.stringify({ type: 'assistant', timestamp: ts, message: { id, model: 'claude-sonnet-4-5-20250929', usage } });

test('impossible counts, days, times and usage shapes are skipped and counted; undecodable lines too', () => {
  mkdirSync(join(root, 'projects', '-w'), { recursive: true });
  const file = join(root, 'projects', '-w', 's.jsonl');
  writeFileSync(
    file,
    [
      rec('ok', '2025-10-01T10:00:00Z', { input_tokens: 100, output_tokens: 10 }),
      rec('huge', '2025-10-01T10:00:00Z', { input_tokens: 1e308, output_tokens: 1 }),
      rec('above53', '2025-10-01T10:00:00Z', { input_tokens: 2 ** 53, output_tokens: 1 }),
      // Past the documented bound of a billion per count (a response's cost must stay exact in units).
      rec('overbound', '2025-10-01T10:00:00Z', { input_tokens: 1e9 + 1, output_tokens: 1 }),
      rec('feb30', '2025-02-30T10:00:00Z', { input_tokens: 1, output_tokens: 1 }),
      rec('h24', '2025-10-01T24:00:00Z', { input_tokens: 1, output_tokens: 1 }),
      rec('list', '2025-10-01T10:00:00Z', [{ input_tokens: 5, output_tokens: 5 }]),
      rec('noinput', '2025-10-01T10:00:00Z', { output_tokens: 5 }),
      '\0\0\0\0\0\0',
      'garbage that is no record',
      '{"type":"user","message":{"content":"cut off in the mid',
      '',
      JSON.stringify({ type: 'user', message: { content: 'a fine line without usage' } }),
    ].join('\n') + '\n',
  );
  const out = JSON.parse(ccost(['daily', '--json', '--no-ledger', '--dir', root, '-z', 'UTC']).stdout);
  assert.deepEqual([out.totals.inputTokens, out.totals.outputTokens], [100, 10]);
  assert.ok(Number.isFinite(out.totals.totalCost));
  assert.deepEqual(out.warnings.map((w: any) => [w.malformed, w.invalid]), [[3, 7]]);
});

test('timestamps: a day past the month\'s end, hour 24 and minute 60 are no time; leap days are', () => {
  for (const bad of ['2025-02-29T10:00:00Z', '2025-02-30T10:00:00.000Z', '2025-04-31T10:00:00+02:00', '2025-10-01T24:00:00Z', '2025-10-01T10:60:00Z', '2025-10-01T10:00:60Z', '2025-13-01T10:00:00Z'])
    assert.equal(parseTimestamp(bad), null, bad);
  assert.equal(parseTimestamp('2024-02-29T10:00:00.5+01:00'), Date.UTC(2024, 1, 29, 9, 0, 0, 500));
  assert.equal(parseTimestamp('2025-10-31T23:59:59Z'), Date.UTC(2025, 9, 31, 23, 59, 59));
});
