import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pricing, calculateCost, costOf, type PriceTable } from '../src/usage/pricing.js';
import { embeddedPricing } from '../src/usage/prices-file.js';
import type { FilePos, UsageEvent } from '../src/usage/types.js';

function ev(p: Partial<UsageEvent>): UsageEvent {
  return {
    messageId: 'm',
    requestId: null,
    timestamp: 0,
    model: 'claude-sonnet-4-5-20250929',
    inputTokens: 0,
    outputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    simple: false,
    unsplitTokens: 0,
    recordedCost: null,
    speed: 'standard',
    sidechain: false,
    subagent: false,
    sessionId: null,
    cwd: null,
    fileIndex: 0 as FilePos,
    offset: 0,
    ...p,
  };
}

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);
const pricing = embeddedPricing();
// claude-sonnet-4-5: $3/M in, $15/M out, $3.75/M 5m write, $0.30/M read; above 200k: $6, $22.5, $7.5, $0.6.
const sonnet = pricing.lookup('claude-sonnet-4-5-20250929')!;

test('base rates per token kind; 1h cache writes at 2x input', () => {
  close(calculateCost(ev({ inputTokens: 1000, outputTokens: 100, cacheWrite5mTokens: 2000, cacheWrite1hTokens: 3000, cacheReadTokens: 4000 }), sonnet),
    1000 * 3e-6 + 100 * 15e-6 + 2000 * 3.75e-6 + 3000 * 6e-6 + 4000 * 0.3e-6);
});

test('long context: above 200k prompt tokens, every token at the above-200k rates', () => {
  // 150k input + 30k 5m write + 20,001 read = 200,001 > 200k.
  const e = ev({ inputTokens: 150_000, cacheWrite5mTokens: 30_000, cacheReadTokens: 20_001, outputTokens: 1000 });
  close(calculateCost(e, sonnet), 150_000 * 6e-6 + 30_000 * 7.5e-6 + 20_001 * 0.6e-6 + 1000 * 22.5e-6);
  // Exactly 200k is not above it.
  const at = ev({ inputTokens: 200_000, outputTokens: 10 });
  close(calculateCost(at, sonnet), 200_000 * 3e-6 + 10 * 15e-6);
  // 1h writes in a long request: 2x the long input rate.
  close(calculateCost(ev({ inputTokens: 200_000, cacheWrite1hTokens: 1 }), sonnet), 200_000 * 6e-6 + 1 * 12e-6);
});

test('long context on a model without above-200k rates keeps its base rates', () => {
  const opus = pricing.lookup('claude-opus-4-6')!;
  close(calculateCost(ev({ model: 'claude-opus-4-6', inputTokens: 300_000 }), opus), 300_000 * 5e-6);
});

test('fast speed applies the model multiplier; unknown multiplier leaves cost alone', () => {
  const opus = pricing.lookup('claude-opus-4-6')!;
  close(calculateCost(ev({ inputTokens: 100, outputTokens: 50, speed: 'fast' }), opus), (100 * 5e-6 + 50 * 25e-6) * 6);
  close(calculateCost(ev({ inputTokens: 100, speed: 'fast' }), sonnet), 100 * 3e-6);
});

test('lookup: exact, prefixes, and a fuzzy match that respects versions', () => {
  const table: PriceTable = {
    'claude-opus-4-5': { input_cost_per_token: 5 },
    'claude-opus-4-5-20251101': { input_cost_per_token: 5.5 },
    'claude-opus-4-20250514': { input_cost_per_token: 15 },
    'anthropic/claude-x': { input_cost_per_token: 1 },
    'claude-3-5-sonnet-20241022': { input_cost_per_token: 3 },
    'anthropic.claude-haiku-4-5-20251001-v1:0': { input_cost_per_token: 0.9 },
  };
  const p = new Pricing(table);
  assert.equal(p.lookup('claude-opus-4-5-20251101')!.input_cost_per_token, 5.5);
  assert.equal(p.lookup('claude-x')!.input_cost_per_token, 1); // anthropic/ prefix
  assert.equal(p.lookup('opus-4-5')!.input_cost_per_token, 5); // claude- prefix
  assert.equal(p.lookup('us.anthropic.claude-opus-4-5-20251101-v1:0')!.input_cost_per_token, 5.5);
  assert.equal(p.lookup('claude-opus-4-5@20251101')!.input_cost_per_token, 5.5);
  assert.equal(p.lookup('claude-opus-4-5-20990101')!.input_cost_per_token, 5); // unknown date: the dateless alias
  assert.equal(p.lookup('claude-3-5-sonnet-latest'), null);
  assert.equal(p.lookup('claude-3-5-sonnet'), p.lookup('claude-3-5-sonnet-20241022'));
  // Versions are never crossed: 4-6 is not 4-5, and 4 is not 4-5.
  assert.equal(p.lookup('claude-opus-4-6'), null);
  assert.equal(p.lookup('claude-opus-4'), p.lookup('claude-opus-4-20250514'));
  assert.equal(p.lookup('claude-sonnet-4-5'), null);
  assert.equal(p.lookup('claude-haiku-4-5')!.input_cost_per_token, 0.9); // only a provider entry exists
  assert.equal(p.lookup('gpt-4o'), null);
  assert.equal(p.lookup('unsloth/Qwen3-Coder-Next'), null);
});

test('cost modes: auto uses a recorded cost, calculate ignores it, display uses only it', () => {
  const e = ev({ inputTokens: 1000, recordedCost: 1.25 });
  assert.deepEqual(costOf(e, 'auto', pricing), { cost: 1.25, unpriced: false });
  close(costOf(e, 'calculate', pricing).cost, 1000 * 3e-6);
  assert.deepEqual(costOf(ev({ inputTokens: 1000 }), 'display', pricing), { cost: 0, unpriced: false });
});

test('unknown model: cost 0 and flagged unpriced', () => {
  assert.deepEqual(costOf(ev({ model: 'mystery-1', inputTokens: 10 }), 'calculate', pricing), { cost: 0, unpriced: true });
  assert.deepEqual(costOf(ev({ model: null, inputTokens: 10 }), 'auto', pricing), { cost: 0, unpriced: true });
});

test('simple-format lines keep their recorded cost in every mode', () => {
  const e = ev({ simple: true, unsplitTokens: 500, recordedCost: 0.5, model: 'mystery' });
  for (const m of ['auto', 'calculate', 'display'] as const) assert.deepEqual(costOf(e, m, pricing), { cost: 0.5, unpriced: false });
});
