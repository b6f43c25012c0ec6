/**
 * Live totals kept through random removals and additions equal what is computed afresh from the
 * rows held at that moment: periodTotals and activeBlock over all of them, and a plain sum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_MS, type CostedRow } from '../src/usage/aggregate.js';
import { activeBlock } from '../src/usage/blocks.js';
import { LiveTotals } from '../src/usage/live-totals.js';
import { periodTotals, type Period, type TotalsKey } from '../src/usage/period-totals.js';
import { Calendar } from '../src/usage/time.js';
import type { CostUnits } from '../src/usage/money.js';
import type { FileOrigin, FilePos } from '../src/usage/types.js';
import { rng } from './helpers/rng.js';

const HOUR = 3_600_000;

function origin(instance: string | null, team: string | null): FileOrigin {
  return { instance, team } as FileOrigin;
}

test('live totals: after every change, periods by key and the active block equal a fresh computation over the rows held', () => {
  // The last zone's activity never pauses for 5 hours: each block's start depends on all before it.
  for (const [tz, pauses] of [['UTC', 0.1], ['America/New_York', 0.1], ['Asia/Kolkata', 0.1], ['Europe/Berlin', 0]] as const) {
    const r = rng(tz.length * 7919);
    const calendar = new Calendar(tz);
    const files = [origin(null, null), origin('a1', 'dev'), origin('a2', 'dev'), origin('b1', 'ops'), origin('c1', null)];
    const models = ['claude-sonnet-4-5', 'claude-opus-4-1', '<synthetic>'];
    const base = Date.UTC(2025, 9, 25);
    let t = base;
    const make = (): CostedRow => {
      // Mostly close together, sometimes a gap of 5 hours or more (blocks end), sometimes back in time.
      t += Math.floor(r() * (r() < pauses ? 9 : 1.2) * HOUR);
      const at = r() < 0.1 ? t - Math.floor(r() * 20 * 86_400_000) : t;
      const file = files[Math.floor(r() * files.length)]!;
      // Costs up to $500 a row, in units: exact sums are the point.
      const cost = Math.floor(r() * 5e12) as CostUnits;
      const tokens = Math.floor(r() * 1e6);
      return {
        row: { bucket: Math.floor(at / BUCKET_MS), fileIndex: 0 as FilePos, model: models[Math.floor(r() * models.length)]!, session: 's', cwd: null, subagent: false, inputTokens: tokens, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: tokens, costAuto: cost, costCalculate: cost, costDisplay: cost, unpricedAuto: false, unpricedCalculate: false, events: 1, firstTimestamp: at, lastTimestamp: at + Math.floor(r() * 60_000) },
        file,
        cost,
      };
    };
    let held: CostedRow[] = Array.from({ length: 50 }, make);
    const live = LiveTotals.of(held, calendar);
    // Sums made before the changes (kept current from then on) and after (made from the rows then held).
    live.period('day', 'agent', t);
    live.period('month', 'all', t);
    for (let step = 0; step < 120; step++) {
      const removed = held.filter(() => r() < 0.05);
      const added = Array.from({ length: Math.floor(r() * 6) }, make);
      assert.ok(live.apply(removed, added));
      held = held.filter((c) => !removed.includes(c)).concat(added);
      const nows = [t, t + 2 * HOUR, t - 26 * HOUR, t - 12 * 86_400_000, held[Math.floor(r() * held.length)]!.row.lastTimestamp];
      for (const now of nows) {
        for (const period of ['day', 'week', 'month'] as Period[])
          for (const key of ['all', 'agent', 'team', 'model'] as TotalsKey[])
            assert.deepEqual(live.period(period, key, now), periodTotals(held, calendar, period, now, key), `${tz} step ${step} ${period} by ${key} at ${new Date(now).toISOString()}`);
        assert.deepEqual(live.activeBlock(now), activeBlock(held, now), `${tz} step ${step}: active block at ${new Date(now).toISOString()}`);
        // A plain sum (BigInt units) of the day's rows: the cost to the last unit.
        const day = calendar.day(now);
        const inDay = held.filter((c) => calendar.day(c.row.bucket * BUCKET_MS) === day);
        const units = inDay.reduce((s, c) => s + BigInt(c.cost), 0n);
        const got = live.period('day', 'all', now).get('');
        assert.equal(got?.cost ?? 0, Number(units) / 1e10, `${tz} step ${step}: the day's cost`);
        assert.equal(got?.tokens ?? 0, inDay.reduce((s, c) => s + c.row.totalTokens, 0));
      }
    }
    // A row it does not hold cannot be taken out: nothing changes, and the caller is told.
    const before = live.period('month', 'all', t);
    assert.equal(live.apply([make()], [make()]), false);
    assert.deepEqual(live.period('month', 'all', t), before);
  }
});

test('live totals: a row taken out long before the active block, where work never paused, moves that block', () => {
  const calendar = new Calendar('UTC');
  const at = (h: number): CostedRow => {
    const ms = Date.UTC(2025, 9, 25) + h * HOUR;
    const cost = 1e9 as CostUnits;
    return {
      row: { bucket: Math.floor(ms / BUCKET_MS), fileIndex: 0 as FilePos, model: 'claude-sonnet-4-5', session: 's', cwd: null, subagent: false, inputTokens: 10, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 10, costAuto: cost, costCalculate: cost, costDisplay: cost, unpricedAuto: false, unpricedCalculate: false, events: 1, firstTimestamp: ms, lastTimestamp: ms },
      file: origin(null, null),
      cost,
    };
  };
  // One response an hour for 11 hours: blocks start at 0, 5 and 10 h.
  const rows = Array.from({ length: 11 }, (_, h) => at(h));
  const live = LiveTotals.of(rows, calendar);
  const now = Date.UTC(2025, 9, 25) + 10.5 * HOUR;
  assert.equal(live.activeBlock(now)?.start, Date.UTC(2025, 9, 25) + 10 * HOUR);
  // Without the first hour's response the blocks start at 1 and 6 h: the active one began at 6.
  assert.ok(live.apply([rows[0]!], []));
  assert.deepEqual(live.activeBlock(now), activeBlock(rows.slice(1), now));
  assert.equal(live.activeBlock(now)?.start, Date.UTC(2025, 9, 25) + 6 * HOUR);
  // And back again.
  assert.ok(live.apply([], [rows[0]!]));
  assert.equal(live.activeBlock(now)?.start, Date.UTC(2025, 9, 25) + 10 * HOUR);
});
