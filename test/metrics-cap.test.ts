/**
 * /metrics holds at most MAX_SERIES series per counter: beyond that the cheapest label sets are
 * summed under agent="_other" (one per model), counted in ccost_metrics_series_dropped, and every
 * dollar and token is still in the sums.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_MS, type CostedRow } from '../src/usage/aggregate.js';
import { LiveTotals } from '../src/usage/live-totals.js';
import type { CostUnits } from '../src/usage/money.js';
import { MAX_SERIES, Metrics } from '../src/serve/metrics.js';
import { Calendar } from '../src/usage/time.js';
import type { FileOrigin, FilePos } from '../src/usage/types.js';

test('at most MAX_SERIES series a metric; the rest summed as agent="_other" (per model for the counters), nothing lost', async () => {
  const calendar = new Calendar('UTC');
  const models = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];
  // More agents than series allowed: every per-agent metric must fold some.
  const agents = MAX_SERIES + 40;
  const rows: CostedRow[] = [];
  let units = 0;
  let tokens = 0;
  const at = Date.UTC(2025, 9, 1);
  for (let a = 0; a < agents; a++) {
    const file = { host: 'h', instance: `a${a}`, team: null, path: `/p/${a}.jsonl` } as FileOrigin;
    const m = a % models.length;
    // Costs differ by agent, so which label sets are the cheapest is well defined.
    const cost = ((a + 1) * 1000 + m) as CostUnits;
    units += cost;
    tokens += 10 + m;
    rows.push({
      row: { bucket: Math.floor(at / BUCKET_MS), fileIndex: a as FilePos, model: models[m]!, session: `s${a}`, cwd: null, subagent: false, inputTokens: 10 + m, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, totalTokens: 10 + m, costAuto: cost, costCalculate: cost, costDisplay: cost, unpricedAuto: false, unpricedCalculate: false, events: 1, firstTimestamp: at, lastTimestamp: at },
      file,
      cost,
    });
  }
  const totals = LiveTotals.of(rows, calendar);
  const metrics = new Metrics(() => ({ rows, totals, warnings: [], rules: null, calendar, now: at }));
  const text = await metrics.text();
  const lines = text.split('\n');
  const series = (name: string, also = '') => lines.filter((l) => l.startsWith(`${name}{`) && l.includes(also));
  const value = (l: string) => Number(l.slice(l.lastIndexOf(' ') + 1));
  const sum = (ls: string[]) => ls.reduce((n, l) => n + value(l), 0);
  const cost = series('claude_code_cost_usage_USD_total');
  assert.equal(cost.length, MAX_SERIES, 'cost: as many series as allowed, no more');
  assert.equal(cost.filter((l) => l.includes('agent="_other"')).length, models.length, 'one _other per model');
  assert.ok(Math.abs(sum(cost) - units / 1e10) < 1e-9, 'every dollar is still in the sums');
  assert.equal(sum(series('claude_code_token_usage_tokens_total', 'type="input"')), tokens, 'every token too');
  const sessions = series('claude_code_session_count_total');
  assert.equal(sessions.length, MAX_SERIES, 'sessions: as many series as allowed');
  assert.equal(sum(sessions), agents, 'every session counted');
  let periodsFolded = 0;
  for (const p of ['day', 'week', 'month']) {
    const spend = series('ccost_period_cost_usd', `period="${p}"`);
    assert.equal(spend.length, MAX_SERIES, `${p}: as many series as allowed`);
    assert.ok(Math.abs(sum(spend) - units / 1e10) < 1e-6, `${p}: the spend of every agent`);
    periodsFolded += agents - (MAX_SERIES - 1);
  }
  const dropped = value(lines.find((l) => l.startsWith('ccost_metrics_series_dropped '))!);
  assert.equal(dropped, agents - (MAX_SERIES - models.length) + (agents - (MAX_SERIES - 1)) + periodsFolded, 'every label set summed into _other is counted');
});
