/**
 * Side by side with the leading tool (ccusage 20.0.24, native). Where the rules agree the totals
 * are equal; each deliberate difference has a fixture asserting exactly that difference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../bench/generate.js';
import { ccostJson } from './helpers/cli.js';
import { ccusageDaily, ccusageMissing } from './helpers/ccusage.js';
import { PRICES } from './helpers/paths.js';

const skip = ccusageMissing();
if (skip) console.warn(skip);
const root = mkdtempSync(join(tmpdir(), 'ccost-compat-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const TOKEN_KEYS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'totalTokens'] as const;
const relClose = (a: number, b: number, rel: number) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-12), `${a} vs ${b}`);

test('generated corpus without odd cases: ccost = ccusage = the generator\'s truth', { skip }, () => {
  const dir = join(root, 'plain');
  const truth = generateCorpus(dir, { bytes: 4 << 20, seed: 11, pricesPath: PRICES });
  const ours = ccostJson(['daily', '--dir', dir, '-z', 'UTC']);
  const theirs = ccusageDaily(dir);
  for (const k of TOKEN_KEYS) {
    assert.equal(ours.totals[k], theirs.totals[k], `${k} vs ccusage`);
    assert.equal(ours.totals[k], truth.totals[k], `${k} vs truth`);
  }
  relClose(ours.totals.totalCost, theirs.totals.totalCost, 1e-6);
  relClose(ours.totals.totalCost, truth.totals.totalCost, 1e-9);
  assert.deepEqual(ours.daily.map((d: any) => [d.date, d.totalTokens]), theirs.daily.map((d: any) => [d.date, d.totalTokens]));
});

test('generated corpus with the odd cases: ccost = the generator\'s truth', () => {
  const dir = join(root, 'odd');
  const truth = generateCorpus(dir, { bytes: 4 << 20, seed: 5, odd: true, pricesPath: PRICES });
  const ours = ccostJson(['daily', '--dir', dir, '-z', 'UTC']);
  for (const k of TOKEN_KEYS) assert.equal(ours.totals[k], truth.totals[k], k);
  relClose(ours.totals.totalCost, truth.totals.totalCost, 1e-9);
  for (const row of ours.daily) assert.equal(row.totalTokens, truth.byDay[row.date]!.totalTokens, row.date);
  const agents = ccostJson(['agent', '--dir', dir]);
  for (const row of agents.rows) assert.equal(row.totalTokens, truth.byAgent[row.agent]!.totalTokens, row.agent);
});

// ---- deliberate differences, one fixture each ----

function fixture(name: string, lines: string[]): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'projects', '-w-app'), { recursive: true });
  writeFileSync(join(dir, 'projects', '-w-app', 's1.jsonl'), lines.join('\n') + '\n');
  return dir;
}
const assistant = (o: { id: string; req?: string; ts?: string; usage: Record<string, number> }) =>
  JSON.stringify({
    type: 'assistant',
    timestamp: o.ts ?? '2025-10-01T10:00:00.000Z',
    sessionId: 's1',
    ...(o.req ? { requestId: o.req } : {}),
    message: { id: o.id, model: 'claude-sonnet-4-5-20250929', usage: o.usage },
  });

test('difference: a response replayed without request id counts once here, twice in ccusage', { skip }, () => {
  const usage = { input_tokens: 100, output_tokens: 50 };
  const dir = fixture('replay', [assistant({ id: 'msg_1', req: 'req_1', usage }), assistant({ id: 'msg_1', ts: '2025-10-01T11:00:00.000Z', usage })]);
  const ours = ccostJson(['daily', '--dir', dir, '-z', 'UTC']);
  const theirs = ccusageDaily(dir);
  assert.equal(ours.totals.totalTokens, 150);
  assert.equal(theirs.totals.totalTokens, 300);
});

test('difference: long context prices every token of the request at the >200k rates', { skip }, () => {
  // 150k input + 60k cache read = 210k prompt tokens: long. Sonnet 4.5: $6/M, $22.5/M, $0.6/M above 200k.
  const dir = fixture('long', [assistant({ id: 'msg_1', req: 'req_1', usage: { input_tokens: 150_000, cache_read_input_tokens: 60_000, output_tokens: 1000 } })]);
  const ours = ccostJson(['daily', '--dir', dir, '-z', 'UTC']);
  const theirs = ccusageDaily(dir);
  relClose(ours.totals.totalCost, 150_000 * 6e-6 + 60_000 * 0.6e-6 + 1000 * 22.5e-6, 1e-12);
  // ccusage tiers each token kind on its own count: none of them passes 200k, so all stay at base rates.
  relClose(theirs.totals.totalCost, 150_000 * 3e-6 + 60_000 * 0.3e-6 + 1000 * 15e-6, 1e-9);
  assert.equal(ours.totals.totalTokens, theirs.totals.totalTokens);
});

test('difference: the seed guide\'s simple lines count here, not in ccusage', { skip }, () => {
  const dir = fixture('simple', [JSON.stringify({ timestamp: '2025-10-01T10:00:00Z', model: 'claude-sonnet-4-5-20250929', tokens: 1234, cost: 0.5 })]);
  const ours = ccostJson(['daily', '--dir', dir, '-z', 'UTC']);
  const theirs = ccusageDaily(dir);
  assert.equal(ours.totals.totalTokens, 1234);
  assert.equal(ours.totals.totalCost, 0.5);
  assert.equal(theirs.totals.totalTokens, 0);
});

test('difference: JSON written with spaces counts here, not in ccusage', { skip }, () => {
  const line = JSON.stringify(JSON.parse(assistant({ id: 'msg_1', req: 'req_1', usage: { input_tokens: 10, output_tokens: 5 } })), null, 1).replace(/\n\s*/g, ' ');
  const dir = fixture('pretty', [line]);
  assert.equal(ccostJson(['daily', '--dir', dir, '-z', 'UTC']).totals.totalTokens, 15);
  assert.equal(ccusageDaily(dir).totals.totalTokens, 0);
});

test('agreement: streaming partials keep the largest copy in both tools', { skip }, () => {
  const dir = fixture('partials', [
    assistant({ id: 'msg_1', req: 'req_1', usage: { input_tokens: 100, output_tokens: 1 } }),
    assistant({ id: 'msg_1', req: 'req_1', ts: '2025-10-01T10:00:02.000Z', usage: { input_tokens: 100, output_tokens: 500 } }),
  ]);
  assert.equal(ccostJson(['daily', '--dir', dir, '-z', 'UTC']).totals.totalTokens, 600);
  assert.equal(ccusageDaily(dir).totals.totalTokens, 600);
});
