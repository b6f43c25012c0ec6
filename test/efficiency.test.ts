/**
 * ccost efficiency and ccorc costs --efficiency on a corpus made here, each figure against the
 * arithmetic written out below (rates from the embedded price table, checked first).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccost } from './helpers/cli.js';
import { PRICES } from './helpers/paths.js';

const root = mkdtempSync(join(tmpdir(), 'ccost-eff-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

// Rates per token, as the table gives them.
const OPUS = { in: 5e-6, out: 2.5e-5, w5m: 6.25e-6, read: 5e-7 };
const SONNET = { in: 3e-6, out: 1.5e-5, w5m: 3.75e-6, read: 3e-7, inLong: 6e-6, outLong: 2.25e-5, readLong: 6e-7 };

type Usage = { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number; cache_creation?: object };
const line = (id: string, model: string, usage: Usage, extra: object = {}) => JSON.stringify({ type: 'assistant', timestamp: '2025-10-01T10:00:00Z', sessionId: 'sess', message: { id, model, usage }, ...extra });

function write(rel: string, lines: string[]): void {
  const p = join(root, 'projects', rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, lines.join('\n') + '\n');
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

test('the rates the expectations use are the table\'s', () => {
  const t = JSON.parse(readFileSync(PRICES, 'utf8'));
  const o = t['claude-opus-4-6'];
  assert.deepEqual([o.input_cost_per_token, o.output_cost_per_token, o.cache_creation_input_token_cost, o.cache_read_input_token_cost], [OPUS.in, OPUS.out, OPUS.w5m, OPUS.read]);
  for (const name of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929']) {
    const s = t[name];
    assert.deepEqual([s.input_cost_per_token, s.output_cost_per_token, s.cache_creation_input_token_cost, s.cache_read_input_token_cost, s.input_cost_per_token_above_200k_tokens, s.output_cost_per_token_above_200k_tokens, s.cache_read_input_token_cost_above_200k_tokens], [SONNET.in, SONNET.out, SONNET.w5m, SONNET.read, SONNET.inLong, SONNET.outLong, SONNET.readLong]);
  }
});

test('per agent: cost, responses, cost by kind, cache hits, output per dollar, long context, subagents, findings with their dollars', () => {
  const opusUse = { input_tokens: 1000, output_tokens: 300, cache_creation_input_tokens: 10_000, cache_read_input_tokens: 20_000 };
  // Agent a: two Opus responses (the first also as a streaming partial, which dedup drops).
  write('ccbox-a--w/s1.jsonl', [line('a1', 'claude-opus-4-6', { ...opusUse, output_tokens: 1 }), line('a1', 'claude-opus-4-6', opusUse), line('a2', 'claude-opus-4-6', opusUse)]);
  // Agent b: a request above 200k, a 1-hour cache write, and a subagent's response.
  const sonnet = 'claude-sonnet-4-5-20250929';
  write('ccbox-b--w/s2.jsonl', [
    line('b1', sonnet, { input_tokens: 150_000, output_tokens: 2000, cache_read_input_tokens: 60_000 }),
    line('b2', sonnet, { input_tokens: 100, output_tokens: 100, cache_creation_input_tokens: 5000, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 5000 } }),
  ]);
  write('ccbox-b--w/sess/subagents/agent-x.jsonl', [line('b3', sonnet, { input_tokens: 1000, output_tokens: 1000 })]);
  // The host: a model with no price.
  write('-w/s3.jsonl', [line('h1', 'mystery-model-1', { input_tokens: 10, output_tokens: 10 })]);

  const r = ccost(['efficiency', '--dir', root, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const row = (k: string) => out.rows.find((x: any) => x.key === k);

  // a, per response: 1000 in, 300 out, 10,000 5m writes, 20,000 reads at Opus rates.
  const a = { in: 2 * 1000 * OPUS.in, out: 2 * 300 * OPUS.out, w5m: 2 * 10_000 * OPUS.w5m, read: 2 * 20_000 * OPUS.read };
  const aCost = a.in + a.out + a.w5m + a.read; // $0.17
  close(row('a').cost, aCost, 'a cost');
  assert.equal(row('a').responses, 2);
  close(row('a').costPerResponse, aCost / 2, 'a per response');
  close(row('a').outputTokensPerDollar, 600 / aCost, 'a output per dollar');
  close(row('a').cacheHitRatio, 40_000 / (2000 + 20_000 + 40_000), 'a cache hits');
  close(row('a').costByKind.write5m, a.w5m, 'a 5m writes');
  close(row('a').shareByKind.write5m, a.w5m / aCost, 'a 5m share');
  assert.deepEqual(row('a').longContext, { requests: 0, extraCost: 0 });
  assert.equal(row('a').subagentShare, 0);

  // b: b1 above 200k (150,000 + 60,000), all of it at the long rates; b2's 5,000 1-hour writes at 2x input; b3 a subagent's.
  const b1 = 150_000 * SONNET.inLong + 2000 * SONNET.outLong + 60_000 * SONNET.readLong;
  const b1Normal = 150_000 * SONNET.in + 2000 * SONNET.out + 60_000 * SONNET.read;
  const b2 = 100 * SONNET.in + 100 * SONNET.out + 5000 * 2 * SONNET.in;
  const b3 = 1000 * SONNET.in + 1000 * SONNET.out;
  const bCost = b1 + b2 + b3;
  close(row('b').cost, bCost, 'b cost');
  assert.equal(row('b').longContext.requests, 1);
  close(row('b').longContext.extraCost, b1 - b1Normal, 'b long-context extra');
  close(row('b').costByKind.write1h, 5000 * 2 * SONNET.in, 'b 1h writes');
  close(row('b').subagentShare, b3 / bCost, 'b subagent share');
  close(row('b').cacheHitRatio, 60_000 / (150_000 + 60_000 + 100 + 5000 + 1000), 'b cache hits');

  assert.deepEqual([row('host').cost, row('host').responses], [0, 1]);
  assert.deepEqual(out.unpricedModels, ['mystery-model-1']);

  // Findings, largest first: b's long context ($0.48), a's cache writes ($0.13), a on Sonnet ($0.07 saved).
  const aOnSonnet = 2 * (1000 * SONNET.in + 300 * SONNET.out + 10_000 * SONNET.w5m + 20_000 * SONNET.read);
  assert.deepEqual(out.findings.map((f: any) => [f.group, f.kind]), [['b', 'long-context'], ['a', 'cache-writes'], ['a', 'cheaper-model']]);
  close(out.findings[0].dollars, b1 - b1Normal, 'long-context dollars');
  close(out.findings[1].dollars, a.w5m, 'cache-write dollars');
  close(out.findings[2].dollars, aCost - aOnSonnet, 'cheaper-model dollars');
  assert.equal(out.findings[0].message, `agent b: 1 request(s) above 200k tokens cost $${(b1 - b1Normal).toFixed(2)} more than at normal rates`);
  assert.equal(out.findings[1].message, `agent a: ${Math.round((100 * a.w5m) / aCost)}% of its cost ($${a.w5m.toFixed(2)} of $${aCost.toFixed(2)}) is cache writes`);
  assert.equal(out.findings[2].message, `agent a averages 300 output tokens per response on Opus; the same tokens on claude-sonnet-4-5 would have cost $${aOnSonnet.toFixed(2)} instead of $${aCost.toFixed(2)}`);

  // The text report says the same; --by model groups by model.
  const text = ccost(['efficiency', '--dir', root]).stdout;
  assert.match(text, /^Efficiency by agent/);
  assert.match(text, /- agent b: 1 request\(s\) above 200k tokens cost/);
  const byModel = JSON.parse(ccost(['efficiency', '--dir', root, '--json', '--by', 'model']).stdout);
  close(byModel.rows.find((x: any) => x.key === 'claude-opus-4-6').cost, aCost, 'opus by model');
  // --agent and --since select.
  assert.deepEqual(JSON.parse(ccost(['efficiency', '--dir', root, '--json', '--agent', 'a']).stdout).rows.map((x: any) => x.key), ['a']);
  assert.deepEqual(JSON.parse(ccost(['efficiency', '--dir', root, '--json', '--since', '2025-10-02']).stdout).rows, []);
});
