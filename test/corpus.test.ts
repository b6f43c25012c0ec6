/**
 * The real corpus: ccost's totals equal the independent reference implementation's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ccostJson } from './helpers/cli.js';
import { HAS_REAL_A, PRICES, REAL_A } from './helpers/paths.js';
import { reference } from './helpers/reference.js';

const skip = HAS_REAL_A ? false : `SKIPPED LOUDLY: real corpus not found at ${REAL_A} (set CCORC_SHARED)`;
if (skip) console.warn(skip);

function close(actual: number, expected: number, rel = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${actual} != ${expected}`);
}

for (const mode of ['auto', 'calculate'] as const) {
  test(`real-a: daily totals equal the reference (mode ${mode})`, { skip }, () => {
    const ref = reference(REAL_A, PRICES, mode);
    const out = ccostJson(['daily', '--dir', REAL_A, '-z', 'UTC', '--mode', mode]);
    for (const k of ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const)
      assert.equal(out.totals[k], ref.totals[k], k);
    close(out.totals.totalCost, ref.totals.totalCost);
    assert.deepEqual(out.unpricedModels, [...ref.unpriced].sort());
    assert.equal(out.daily.length, ref.byDay.size);
    for (const row of out.daily) {
      const r = ref.byDay.get(row.date)!;
      assert.ok(r, `unexpected day ${row.date}`);
      assert.equal(row.totalTokens, r.totalTokens, row.date);
      close(row.totalCost, r.totalCost);
    }
  });
}

test('real-a: every report kind sums to the same totals', { skip }, () => {
  const daily = ccostJson(['daily', '--dir', REAL_A, '-z', 'UTC']);
  for (const kind of ['weekly', 'monthly', 'session', 'project', 'agent']) {
    const out = ccostJson([kind, '--dir', REAL_A, '-z', 'UTC']);
    assert.deepEqual(out.totals, daily.totals, kind);
    const rows = out.weekly ?? out.monthly ?? out.sessions ?? out.rows;
    const sum = rows.reduce((n: number, r: any) => n + r.totalTokens, 0);
    assert.equal(sum, daily.totals.totalTokens, `${kind} rows`);
  }
});
