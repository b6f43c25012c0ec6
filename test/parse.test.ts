import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsFromRecord, parseTimestamp } from '../src/usage/parse.js';
import type { ScanSlot } from '../src/usage/types.js';
import { rng } from './helpers/rng.js';
import { realFields } from './helpers/reference.js';

const ctx = { fileIndex: 0 as ScanSlot, offset: 0, subagentFile: false };
const assistant = (usage: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'assistant',
  timestamp: '2025-10-01T10:00:00.000Z',
  sessionId: 's1',
  requestId: 'req_1',
  message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage },
  ...extra,
});

test('assistant usage: counts, cache split, speed, ids', () => {
  const r = eventsFromRecord(
    assistant({
      input_tokens: 3,
      output_tokens: 7,
      cache_creation_input_tokens: 30,
      cache_read_input_tokens: 11,
      cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 },
      speed: 'fast',
    }),
    ctx,
  );
  assert.equal(r.invalid, 0);
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  assert.deepEqual(
    [e.messageId, e.requestId, e.inputTokens, e.outputTokens, e.cacheWrite5mTokens, e.cacheWrite1hTokens, e.cacheReadTokens, e.speed],
    ['msg_1', 'req_1', 3, 7, 10, 20, 11, 'fast'],
  );
  assert.equal(e.timestamp, Date.UTC(2025, 9, 1, 10));
});

test('no breakdown: cache_creation_input_tokens are all 5-minute writes', () => {
  const e = eventsFromRecord(assistant({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 500 }), ctx).events[0]!;
  assert.equal(e.cacheWrite5mTokens, 500);
  assert.equal(e.cacheWrite1hTokens, 0);
});

test('optional counts may be null or absent; odd fields do not reject', () => {
  const r = eventsFromRecord(assistant({ input_tokens: 1, output_tokens: 2, cache_read_input_tokens: null }, { version: 42, costUSD: null }), ctx);
  assert.equal(r.events.length, 1);
  assert.equal(r.events[0]!.cacheReadTokens, 0);
  assert.equal(r.events[0]!.recordedCost, null);
});

test('negative, fractional, null-required or string counts reject the record', () => {
  for (const usage of [
    { input_tokens: -1, output_tokens: 2 },
    { input_tokens: 1.5, output_tokens: 2 },
    { input_tokens: null, output_tokens: 2 },
    { input_tokens: 1, output_tokens: '2' },
    { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: -5 },
    { input_tokens: 1, output_tokens: 2, cache_creation: { ephemeral_5m_input_tokens: -1, ephemeral_1h_input_tokens: 0 } },
  ]) {
    const r = eventsFromRecord(assistant(usage), ctx);
    assert.equal(r.events.length, 0, JSON.stringify(usage));
    assert.equal(r.invalid, 1);
  }
});

test('timestamps: Z and offsets accepted, zone-less and garbage rejected', () => {
  assert.equal(parseTimestamp('2025-10-01T23:30:00-05:00'), Date.UTC(2025, 9, 2, 4, 30));
  assert.equal(parseTimestamp('2025-10-01T10:00:00+0200'), Date.UTC(2025, 9, 1, 8));
  assert.equal(parseTimestamp('2025-10-01T10:00:00'), null);
  assert.equal(parseTimestamp('yesterday'), null);
  assert.equal(parseTimestamp(12345), null);
  const r = eventsFromRecord(assistant({ input_tokens: 1, output_tokens: 1 }, { timestamp: 'nope' }), ctx);
  assert.equal(r.invalid, 1);
});

test('progress lines: nested subagent usage with its own id and timestamp', () => {
  const r = eventsFromRecord(
    {
      type: 'progress',
      timestamp: '2025-10-01T10:00:05Z',
      isSidechain: false,
      sessionId: 'parent',
      data: {
        message: {
          type: 'assistant',
          timestamp: '2025-10-01T10:00:01Z',
          requestId: 'req_9',
          message: { id: 'msg_9', model: 'claude-haiku-4-5', usage: { input_tokens: 5, output_tokens: 6 } },
        },
      },
    },
    ctx,
  );
  assert.equal(r.events.length, 1);
  const e = r.events[0]!;
  assert.equal(e.messageId, 'msg_9');
  assert.equal(e.subagent, true);
  assert.equal(e.timestamp, Date.UTC(2025, 9, 1, 10, 0, 1));
  assert.equal(e.sessionId, 'parent');
});

test('toolUseResult.usage is never counted', () => {
  const r = eventsFromRecord(
    { type: 'user', timestamp: '2025-10-01T10:00:00Z', toolUseResult: { usage: { input_tokens: 100, output_tokens: 100 } }, message: { role: 'user', content: 'x' } },
    ctx,
  );
  assert.equal(r.events.length, 0);
  assert.equal(r.invalid, 0);
});

test('simple format: tokens unsplit, cost recorded', () => {
  const r = eventsFromRecord({ timestamp: '2025-10-01T10:00:00Z', model: 'claude-opus-4-1', tokens: 1234, cost: 0.5 }, ctx);
  const e = r.events[0]!;
  assert.equal(e.simple, true);
  assert.equal(e.unsplitTokens, 1234);
  assert.equal(e.recordedCost, 0.5);
  assert.equal(e.messageId, null);
});

test('a subagent file marks its events as subagent usage', () => {
  const e = eventsFromRecord(assistant({ input_tokens: 1, output_tokens: 1 }, { isSidechain: true }), { ...ctx, subagentFile: true }).events[0]!;
  assert.equal(e.subagent, true);
  assert.equal(e.sidechain, true);
});

test('lines without usage produce nothing', () => {
  for (const rec of [null, 42, 'x', [], { type: 'user' }, { message: { content: 'hi' } }, { type: 'summary', summary: 'tokens' }])
    assert.deepEqual(eventsFromRecord(rec, ctx), { events: [], invalid: 0 });
});

test('timestamps: the fast reading of Claude Code\'s form agrees with the regular expression and Date.parse', () => {
  // The reference: what parseTimestamp did before it had a fast path, with the fields of a real moment.
  const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
  const reference = (v: string) => {
    if (!ISO.test(v) || !realFields(v)) return null;
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms : null;
  };
  const r = rng(20261125);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const pick = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  let fastForm = 0;
  for (let i = 0; i < 20_000; i++) {
    // Mostly plausible fields, sometimes out of range (month 13, day 31 of a short month, hour 24...).
    let v = `${pad(r() < 0.05 ? pick(0, 150) : pick(1970, 2100), 4)}-${pad(pick(0, 13), 2)}-${pad(pick(0, 32), 2)}T${pad(pick(0, 25), 2)}:${pad(pick(0, 61), 2)}:${pad(pick(0, 61), 2)}.${pad(pick(0, 999), 3)}Z`;
    if (r() < 0.2) {
      // A damaged copy: one character replaced.
      const at = pick(0, v.length - 1);
      v = v.slice(0, at) + String.fromCharCode(pick(32, 126)) + v.slice(at + 1);
    }
    if (v.length === 24 && v.endsWith('Z')) fastForm++;
    assert.equal(parseTimestamp(v), reference(v), v);
  }
  assert.ok(fastForm > 15_000, `the fast form was exercised (${fastForm})`);
  for (const v of ['2024-02-29T12:00:00.000Z', '2025-02-29T12:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-12-31T23:59:59.999Z', '0000-01-01T00:00:00.000Z', '0099-12-31T23:59:59.999Z', '0100-01-01T00:00:00.000Z'])
    assert.equal(parseTimestamp(v), reference(v), v);
});
