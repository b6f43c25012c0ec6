/** The compact event form: what goes in comes out, in the current form and in the one older ledgers hold. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvents, encodeEvents } from '../src/usage/event-codec.js';
import type { FileId, ScanSlot, UsageEvent } from '../src/usage/types.js';

const events: UsageEvent[] = [
  { messageId: 'msg_1', requestId: 'req_1', timestamp: 1_760_000_000_000, model: 'claude-opus-4-6', inputTokens: 3, outputTokens: 5, cacheWrite5mTokens: 7, cacheWrite1hTokens: 11, cacheReadTokens: 13, simple: false, unsplitTokens: 0, recordedCost: null, speed: 'fast', sidechain: true, subagent: false, sessionId: 's1', cwd: '/w', fileIndex: 4 as ScanSlot, offset: 0 },
  { messageId: null, requestId: null, timestamp: 1_760_000_001_000, model: null, inputTokens: 0, outputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, simple: true, unsplitTokens: 42, recordedCost: 0.25, speed: 'standard', sidechain: false, subagent: true, sessionId: null, cwd: null, fileIndex: 4 as ScanSlot, offset: 120 },
  { messageId: 'msg_2', requestId: null, timestamp: 1_760_000_002_000, model: 'claude-opus-4-6', inputTokens: 1, outputTokens: 2, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, simple: false, unsplitTokens: 0, recordedCost: null, speed: 'standard', sidechain: false, subagent: false, sessionId: 's1', cwd: '/w', fileIndex: 4 as ScanSlot, offset: 300 },
];

test('events round-trip through the compact form', () => {
  const enc = encodeEvents(events);
  assert.deepEqual(decodeEvents(enc), events);
  assert.deepEqual(decodeEvents(enc, 9 as FileId).map((e) => e.fileIndex), [9, 9, 9]);
  // Repeated strings are written once.
  assert.equal(enc.strs.split('claude-opus-4-6').length - 1, 1);
});

test('segments written by earlier versions (one flat string array) still decode', () => {
  const enc = encodeEvents(events);
  const flat = events.flatMap((e) => [e.messageId, e.requestId, e.model, e.sessionId, e.cwd]);
  assert.deepEqual(decodeEvents({ count: enc.count, nums: enc.nums, strs: JSON.stringify(flat) }), events);
});
