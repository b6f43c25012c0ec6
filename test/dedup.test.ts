import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deduper, preferCopy } from '../src/usage/dedup.js';
import type { FileOrigin, FilePos, UsageEvent } from '../src/usage/types.js';

function file(host: string, path: string): FileOrigin {
  return { host, path, dataDir: '/d', projectDir: 'p', project: 'p', instance: null, mode: 'host', team: null, agent: null, role: null, container: null, pathSessionId: null, subagentFile: false };
}
const files = [file('a', '/x/1.jsonl'), file('a', '/x/2.jsonl'), file('b', '/x/0.jsonl')];

/** Files here are named by their place in `files`. */
function ev(p: Partial<Omit<UsageEvent, 'fileIndex'>> & { fileIndex?: number }): UsageEvent {
  return {
    messageId: 'm1', requestId: 'r1', timestamp: 1000, model: 'claude-sonnet-4-5', inputTokens: 10, outputTokens: 5,
    cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, simple: false, unsplitTokens: 0, recordedCost: null,
    speed: 'standard', sidechain: false, subagent: false, sessionId: 's', cwd: null, offset: 0, ...p, fileIndex: (p.fileIndex ?? 0) as FilePos,
  };
}

test('the copy with most tokens wins (streaming partials carry fewer output tokens)', () => {
  assert.ok(preferCopy(ev({ outputTokens: 500 }), ev({ outputTokens: 1 }), files) < 0);
});

test('tie-breaks: non-sidechain, then earliest, then host, path, offset', () => {
  assert.ok(preferCopy(ev({ sidechain: false }), ev({ sidechain: true }), files) < 0);
  assert.ok(preferCopy(ev({ timestamp: 1 }), ev({ timestamp: 2 }), files) < 0);
  assert.ok(preferCopy(ev({ fileIndex: 1 }), ev({ fileIndex: 2 }), files) < 0); // host a < b
  assert.ok(preferCopy(ev({ fileIndex: 0 }), ev({ fileIndex: 1 }), files) < 0); // same host, path order
  assert.ok(preferCopy(ev({ offset: 5 }), ev({ offset: 9 }), files) < 0);
});

test('the kept copy never depends on the order events arrive', () => {
  const copies = [
    ev({ outputTokens: 1, timestamp: 5 }),
    ev({ outputTokens: 40, timestamp: 9, sidechain: true, fileIndex: 2 }),
    ev({ outputTokens: 40, timestamp: 9, fileIndex: 1, offset: 70 }),
    ev({ outputTokens: 40, timestamp: 9, fileIndex: 1, offset: 30 }),
    ev({ outputTokens: 40, timestamp: 12 }),
    ev({ messageId: 'other', outputTokens: 3 }),
    ev({ messageId: null, outputTokens: 2 }),
    ev({ messageId: null, outputTokens: 2 }),
  ];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 50; round++) {
    const order = [...copies].sort(() => rand() - 0.5);
    const d = new Deduper(files);
    d.addAll(order);
    const kept = [...d.events()];
    assert.equal(kept.length, 4); // m1, other, and both id-less events
    const m1 = kept.find((e) => e.messageId === 'm1')!;
    assert.deepEqual([m1.fileIndex, m1.offset, m1.sidechain], [1, 30, false]);
  }
});
