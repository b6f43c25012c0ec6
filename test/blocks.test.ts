/**
 * Billing blocks on fixed data with answers worked out by hand, with a fixed clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost, ccostJson } from './helpers/cli.js';
import { rng } from './helpers/rng.js';
import { BUCKET_MS, type CostedRow } from '../src/usage/aggregate.js';
import { activeBlock, buildBlocks } from '../src/usage/blocks.js';
import type { CostUnits } from '../src/usage/money.js';
import type { FileOrigin, FilePos } from '../src/usage/types.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-blocks-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// Sonnet 4.5: $3/M input, $15/M output.
const events: Array<[string, number, number, string]> = [
  ['2025-10-01T10:20:00Z', 1000, 100, '-w-a'], // block A: 10:00–15:00
  ['2025-10-01T10:50:00Z', 2000, 200, '-w-a'],
  ['2025-10-01T14:59:00Z', 3000, 300, 'ccbox-bot--w-b'],
  ['2025-10-01T15:10:00Z', 4000, 400, '-w-a'], // block B: 15:00–20:00, right after A (no gap)
  ['2025-10-02T03:30:00Z', 5000, 500, '-w-a'], // gap 20:00–03:00, then block C: 03:00–08:00
  ['2025-10-02T03:45:00Z', 6000, 600, 'ccbox-bot--w-b'],
  ['2025-10-02T04:15:00Z', 7000, 700, '-w-a'],
];
const NOW = '2025-10-02T05:00:00Z';

function setup(): string {
  const data = join(root, 'data');
  events.forEach(([ts, input, output, folder], i) => {
    const dir = join(data, 'projects', folder);
    mkdirSync(dir, { recursive: true });
    const line = JSON.stringify({ type: 'assistant', timestamp: ts, sessionId: 's', requestId: `r${i}`, message: { id: `m${i}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: input, output_tokens: output } } });
    writeFileSync(join(dir, `s${i}.jsonl`), line + '\n');
  });
  return data;
}
const data = setup();
const cost = (i: number, o: number) => i * 3e-6 + o * 15e-6;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

test('blocks: starts floored to the hour, 5-hour windows, gap rows, the active block', () => {
  const out = ccostJson(['blocks', '--dir', data, '--now', NOW]);
  const b = out.blocks;
  assert.deepEqual(
    b.map((x: any) => [x.startTime, x.endTime, x.isGap, x.isActive, x.entries]),
    [
      ['2025-10-01T10:00:00.000Z', '2025-10-01T15:00:00.000Z', false, false, 3],
      ['2025-10-01T15:00:00.000Z', '2025-10-01T20:00:00.000Z', false, false, 1],
      ['2025-10-01T20:00:00.000Z', '2025-10-02T03:00:00.000Z', true, false, 0],
      ['2025-10-02T03:00:00.000Z', '2025-10-02T08:00:00.000Z', false, true, 3],
    ],
  );
  assert.equal(b[0].totalTokens, 1100 + 2200 + 3300);
  close(b[0].costUSD, cost(6000, 600));
  assert.equal(b[0].actualEndTime, '2025-10-01T14:59:00.000Z');
  assert.deepEqual(b[0].agents, ['bot', 'host']);
  // Active block: 18,000 + 1,800 tokens since 03:30, burning for 90 min at 05:00; 180 min left.
  const active = b[3];
  const tokens = 5500 + 6600 + 7700;
  close(active.burnRate.tokensPerMinute, tokens / 90);
  close(active.burnRate.costPerHour, (cost(18000, 1800) / 90) * 60);
  assert.equal(active.projection.remainingMinutes, 180);
  assert.equal(active.projection.totalTokens, tokens * 3);
  close(active.projection.totalCost, cost(18000, 1800) * 3);
  // A finished block's rate is over its own activity: 10:20 to 14:59 is 279 minutes.
  close(b[0].burnRate.tokensPerMinute, 6600 / 279);
});

test('blocks: --active, --agent, --token-limit max, and no active block after its end', () => {
  const active = ccostJson(['blocks', '--dir', data, '--now', NOW, '--active']).blocks;
  assert.equal(active.length, 1);
  const bot = ccostJson(['blocks', '--dir', data, '--now', NOW, '--agent', 'bot']).blocks;
  assert.deepEqual(bot.filter((x: any) => !x.isGap).map((x: any) => x.totalTokens), [3300, 6600]);
  const limited = ccostJson(['blocks', '--dir', data, '--now', NOW, '--token-limit', 'max']);
  assert.equal(limited.tokenLimit, 6600); // the largest finished block
  assert.equal(limited.blocks[3].tokenLimitStatus.status, 'exceeds');
  const later = ccostJson(['blocks', '--dir', data, '--now', '2025-10-02T08:00:00Z']).blocks;
  assert.equal(later.filter((x: any) => x.isActive).length, 0);
});

test('blocks: table output and bad arguments', () => {
  const r = ccost(['blocks', '--dir', data, '--now', NOW]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ACTIVE 3h 00m left/);
  assert.match(r.stdout, /idle 7h 00m/);
  assert.match(r.stdout, /burn rate: /);
  assert.equal(ccost(['blocks', '--token-limit', 'lots']).code, 2);
  assert.equal(ccost(['blocks', '--now', 'noon']).code, 2);
});

test('the active block from recent rows alone equals the one found over all history', () => {
  // Random activity over days with stretches of every length (some of 5 hours or more); at every
  // clock time tried, activeBlock must agree with buildBlocks over every row.
  const r = rng(77);
  const base = Date.UTC(2025, 9, 1);
  const rows: CostedRow[] = [];
  let t = base;
  for (let i = 0; i < 400; i++) {
    t += Math.floor(r() * (r() < 0.1 ? 8 : 1.5) * 3_600_000);
    const bucket = Math.floor(t / BUCKET_MS);
    rows.push({ row: { bucket, fileIndex: 0 as FilePos, model: 'm', session: 's', cwd: null, subagent: false, inputTokens: 1, outputTokens: 1, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 2, costAuto: 1 as CostUnits, costCalculate: 1 as CostUnits, costDisplay: 0 as CostUnits, unpricedAuto: false, unpricedCalculate: false, events: 1, firstTimestamp: t, lastTimestamp: t }, file: { instance: null } as FileOrigin, cost: 1 as CostUnits });
  }
  let tried = 0;
  for (let now = base; now < t + 10 * 3_600_000; now += 37 * 60_000) {
    const all = buildBlocks(rows, now).find((b) => b.active) ?? null;
    assert.deepEqual(activeBlock(rows, now), all, new Date(now).toISOString());
    if (all) tried++;
  }
  assert.ok(tried > 100, `${tried} clock times inside a block`);
});
