/**
 * Costs are whole units summed exactly and rounded once at output (issue #14: JSON carried float
 * noise such as 75.77423415000004, and the same events in another order could differ in the last
 * digit). Expected figures are written out: prices from the table times tokens, in decimal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost } from './helpers/cli.js';
import { addUnits, CostSum, toUnits, unitsToUsd } from '../src/usage/money.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-exact-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

test('CostSum adds past 2^53 units without losing a unit, in any order', () => {
  const parts = [2 ** 51 + 7, 2 ** 51 + 11, 3, 2 ** 50, 5, 2 ** 51 - 1];
  const want = parts.reduce((a, b) => a + BigInt(b), 0n);
  for (const order of [parts, [...parts].reverse(), [parts[2]!, parts[0]!, parts[4]!, parts[1]!, parts[5]!, parts[3]!]]) {
    const s = new CostSum();
    for (const p of order) s.add(p);
    assert.equal(s.units(), want);
  }
  const a = new CostSum();
  a.add(2 ** 52 - 1);
  const b = new CostSum();
  b.add(2 ** 52 - 1);
  a.addSum(b);
  assert.equal(a.units(), 2n ** 53n - 2n);
  assert.equal(unitsToUsd(addUnits(toUnits(0.1), toUnits(0.2))), 0.3); // 0.1 + 0.2 is 0.30000000000000004 in doubles
});

test('report costs carry no float noise and do not depend on the order files are read', () => {
  // 1,000 responses of 1 input and 7 output tokens on claude-sonnet-4-5 ($3 and $15 per million):
  // each costs 3e-6 + 105e-6 = $0.000108, so 1,000 cost exactly $0.108. Summed in doubles, the same
  // additions give 0.10800000000000007.
  let float = 0;
  for (let i = 0; i < 1000; i++) float += 1 * 3e-6 + 7 * 15e-6;
  assert.notEqual(float, 0.108, 'the float sum this test guards against');
  const dirs: string[] = [];
  for (let d = 0; d < 4; d++) {
    const dir = join(root, `data${d}`);
    mkdirSync(join(dir, 'projects', '-w'), { recursive: true });
    const lines = [];
    for (let i = 0; i < 250; i++)
      lines.push(JSON.stringify({ type: 'assistant', timestamp: new Date(Date.UTC(2025, 9, 1, 10, 0, i)).toISOString(), sessionId: `s${d}`, message: { id: `m${d}-${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 1, output_tokens: 7 } } }));
    writeFileSync(join(dir, 'projects', '-w', `s${d}.jsonl`), lines.join('\n') + '\n');
    dirs.push(dir);
  }
  const run = (ds: string[]) => ccost(['daily', '--json', '--no-ledger', '-z', 'UTC', ...ds.flatMap((x) => ['--dir', x])]).stdout;
  const forward = run(dirs);
  assert.equal(JSON.parse(forward).totals.totalCost, 0.108);
  assert.equal(run([...dirs].reverse()), forward);
  const session = JSON.parse(ccost(['session', '--json', '--no-ledger', '-z', 'UTC', ...dirs.flatMap((x) => ['--dir', x])]).stdout);
  assert.deepEqual(session.sessions.map((s: any) => s.totalCost), [0.027, 0.027, 0.027, 0.027]);
});
